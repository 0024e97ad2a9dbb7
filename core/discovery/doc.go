// Package discovery lets Natter clients find hubs on the local network
// without knowing an address.
//
// A hub makes itself known by two paths, and a client listens on both:
//
//   - Multicast DNS service discovery (RFC 6762, RFC 6763). The hub's
//     Announcer advertises the service type "_natter._tcp" on
//     224.0.0.251:5353 and, where available, [ff02::fb]:5353. The instance
//     name is the hub name (at most 63 bytes; dots allowed); the SRV record
//     points to a host name of the hub's own ("<host>-<hub name>.local.")
//     and the TCP session port; the TXT record holds "proto=natter/1",
//     "udp=<UDP port>" and "users=<count>", and for a hub that serves TLS
//     "tls=<TLS port>" and "fp=<fingerprint>". It answers PTR, SRV, TXT, A,
//     AAAA and ANY queries with the addresses of the interface the query
//     came in on, answers one-shot queries (from ports other than 5353) by
//     unicast with TTLs of 10 s, honours known answers, announces itself
//     twice, one second apart, at start, on interfaces that appear later and
//     whenever the user count changes, and sends goodbyes (TTL 0) when it
//     stops. All records live 120 s. The port is shared with any system
//     responder (avahi-daemon, mDNSResponder) through SO_REUSEADDR and
//     SO_REUSEPORT, so tools such as `avahi-browse -rt _natter._tcp` see
//     the hub. There is no name-conflict probing: two hubs with one name on
//     one network show as one instance in DNS-SD tools (a Browser still
//     tells them apart by address).
//
//   - Broadcast probes, for networks that filter multicast (many access
//     points do). The client sends a probe datagram to the hub UDP port
//     (default 50000) at every directed broadcast address of its interfaces
//     and at 255.255.255.255; hubs answer by unicast. The hub's UDP port
//     also carries TFTP, whose packets start with a zero byte (opcodes 1-6);
//     a probe starts with 'N', so the hub's listener hands any datagram for
//     which IsProbe is true to AnswerProbe instead of the TFTP code.
//
// # Probe wire format (version 1)
//
// All integers are big-endian.
//
//	Probe, client to hub, 96 to 512 bytes (clients send 96):
//	  0   7  magic "NATTER?" (4E 41 54 54 45 52 3F)
//	  7   1  version, 1
//	  8   8  nonce, random per probe round
//	 16   -  padding, all zero
//
//	Answer, hub to the probe's source address and port, 25 to 88 bytes:
//	  0   7  magic "NATTER!" (4E 41 54 54 45 52 21)
//	  7   1  version, 1
//	  8   8  nonce, copied from the probe
//	 16   2  TCP session port
//	 18   2  UDP transfer port
//	 20   4  users online (at most 2^31-1)
//	 24   1  name length n, at most 63
//	 25   n  hub name, UTF-8 without control characters, cut at a
//	         character boundary to 63 bytes
//
// A hub ignores, without answering, a datagram that does not start with
// the probe magic, is shorter than 96 or longer than 512 bytes, carries a
// version other than 1, or has a non-zero padding byte. The longest answer
// (88 bytes) is shorter than the shortest probe (96 bytes): a hub never
// sends more than it received, so probes with a forged source cannot make a
// hub amplify traffic. The address of the hub is the source address of the
// answer. A client accepts only answers carrying the nonce of one of its
// last four probe rounds.
//
// # Browsing
//
// A Browser queries by multicast DNS (PTR "_natter._tcp.local.", from port
// 5353 so answers are multicast; from a private port, as a one-shot querier
// answered by unicast, when 5353 cannot be shared, and then at least every
// 4 s since such answers live 10 s) at once, then after pauses of 1, 2, 4 ...
// seconds up to QueryInterval (20 s); it probes at once, then after 1 and 2
// seconds, then every ProbeInterval (3 s). Hubs are
// merged by TCP address (IP address and TCP port). From multicast DNS a hub
// is listed at each of its IPv4 addresses that lies on a network of a
// browsed interface (a hub on two networks shared with the client is listed
// twice, as probes also see it), else at the best other address it gave;
// from probes at the source address of the answer. A hub disappears when it
// says goodbye (which also drops its probe entry; a hub still answering
// probes returns with the next round), when its records expire, when it
// leaves two queries unanswered (one, if probes already lost it), or, for
// probes, after ProbeExpiry (10 s) without an answer. Status tells for each
// path where it works and what failed, naming the interface or address.
// Events arrive in order on one channel; if it is not read, updates that a
// later event supersedes are dropped first (DroppedEvents counts them).
//
// # Android
//
// Since target SDK 30 an app cannot list interfaces through netlink, so
// net.Interfaces fails (golang/go#40569); SystemInterfaces then falls back
// to the interface addresses or, failing that, to the address the system
// would route from, assumed to be on a /24. Multicast reception also needs
// a WifiManager.MulticastLock held by the app (permission
// CHANGE_WIFI_MULTICAST_STATE), which takes Java glue in the app; without
// it only the broadcast probe path finds hubs.
package discovery
