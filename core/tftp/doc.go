// Package tftp is Natter's file-transfer engine: TFTP over UDP, used by
// both the hub and the client, wire-compatible with stock TFTP peers.
//
// # Wire
//
// Packets are those of RFC 1350 (RRQ, WRQ, DATA, ACK, ERROR) and RFC 2347
// (OACK), encoded with the Append* functions and decoded with the Parse*
// functions, which reject malformed input with an error naming what was
// wrong. Negotiated options: blksize (RFC 2348, 8-65464), tsize (RFC
// 2349; its timeout option is never acknowledged), windowsize
// (RFC 7440), and Natter's offset, which
// makes a read start after that many bytes (a multiple of blksize; the
// OACK echoes it; the first DATA block is then block 1). Block numbers
// are counted in 64 bits inside the engine and wrap from 65535 to 0 on the
// wire, so any file size works. Only octet mode is served.
//
// # Engine
//
// A transfer runs between two UDP ports. Each end keeps to its peer's
// address and answers packets from any other with ERROR 5 (unknown
// transfer ID). The sending end keeps up to windowsize blocks in flight
// (1, stop-and-wait, unless the client asks for more) and moves on when
// an ACK advances; an ACK inside the window makes it go back to the block
// after it; when its timer expires it sends only the oldest block again
// (the receiver, holding the window already, answers that duplicate with
// its last ACK, so that a late or lost ACK costs one block, not a window),
// and the whole window at a second expiry; it reads its source 64 KiB at a
// time. The receiving end
// writes each in-order block once, through a bufio.Writer, hashing it with
// SHA-256; it acknowledges the last in-order block at the end of each
// window (before writing it, so that the sender goes on meanwhile; the
// final block only once it is written and accepted), at a gap, and when
// its timer expires, and acknowledges duplicate DATA again without
// writing it.
// After the final ACK the receiver dallies briefly to answer a
// retransmitted final block, in case that ACK was lost; a server also
// sends the final ACK again on its own timer meanwhile (three times at
// most), since a stock sender may wait a minute before it sends the final
// block again (curl does, for want of a repeated ACK).
//
// # Timer
//
// Either end sends its last packet again when its retransmission timer
// expires (RFC 1350 lets both do so); data is never sent again in answer
// to a duplicate ACK (the Sorcerer's Apprentice bug, RFC 1123 4.2.3.1).
// The timer follows RFC 6298: a smoothed round-trip time and its mean
// deviation, fed only by packets that were sent once (Karn's rule),
// doubled on each expiry up to Config.MaxRTO. Its floor is two smoothed
// round trips, and Config.MinRTO (250 us by default) below that: on a
// steady link the deviation tends to zero, and two round trips leave room
// for jitter while a lost block still costs about one round trip more
// than a delivered one, not a fixed interval; MinRTO only keeps the timer
// above what the scheduler can resolve on a link of a few tens of
// microseconds. When an answer comes sooner after a packet's second copy
// than half a round trip, it answers the first copy, which was late, not
// lost: its round trip is learnt although Karn's rule would discard it,
// so that a timer that expired early while the peer was held up (its CPU
// busy elsewhere) does not expire early again at the next hold-up. As in
// TCP, progress (new data acknowledged or received in order) ends a
// back-off without waiting for a sample. Waiting uses
// socket read deadlines (on Linux the timeout of a ppoll, or a read
// deadline in the poller, see Sockets),
// never busy polling.
//
// On a clean link a retransmission is always a peer held up for longer
// than the timeout (its CPU taken by another process: on a loaded host
// that lasts milliseconds, up to a scheduler tick), never a wrong
// estimate: the samples are true round trips, the deviation is tracked,
// and a steady link with jitter of half its round trip never fires the
// timer (TestRTOTimerSteadyJitter). A floor above such hold-ups would make
// every lost block cost milliseconds on a link whose round trip is tens of
// microseconds, so the engine keeps the floor and makes each hold-up cost
// as few packets as it can: the receiver's timer is a backup that waits
// two timeouts (below), and a window's first expiry sends one block, not
// the window.
//
// The receiving end repeats its last ACK (its OACK, before any data) two
// timeouts after the later of that ACK and the last DATA in (one, before
// any round trip is known), so that it keeps quiet while a window
// arrives. A stock sender answers a repeated ACK with the next block, so
// the receiver's timer, not the sender's whole-second one, recovers a
// lost block of an upload; Natter's own sender ignores it as a duplicate
// and repeats on its own timer, after one timeout: the receiver's timer is
// its backup, and waits twice as long so that a hold-up of the sender (its
// CPU busy elsewhere), which the sender's timer does not see, does not
// make the receiver send again, and a loss between two Natter ends costs
// one retransmission, not two. The receiver takes round trips by Karn's
// rule only: a stock sender answers a repeated ACK at once, and a block
// that comes just after one is that answer, not a late reply to the
// first ACK (taking it for one would lengthen the timer by the timer at
// every loss). A peer's
// RFC 2349 timeout option is never acknowledged, so it never lengthens
// recovery. A transfer with no progress for Config.NoProgress (10 s) ends
// with an ERROR packet and ErrTimeout.
//
// # Sealing (natter-seal)
//
// A transfer of a TLS session is sealed (see seal.go and core/PROTOCOL.md).
// A client with ClientOptions.SealKey adds "natter-seal 1" to its request
// and refuses, with ERROR 8 and ErrSealDowngrade, an answer that is not an
// OACK echoing it. A Server seals a transfer whose Handler returns a
// Sealed ReadSource or WriteSink (SealReadSource, SealWriteSink): such a
// request without the option gets ERROR 2, and the option without a key
// gets ERROR 8, before any OACK. The request, the OACK and those refusals
// go in clear; from the OACK on, each end seals every DATA, ACK and ERROR
// it sends, a retransmission under a fresh counter, and opens every packet
// it receives before looking at it. A packet that does not open (forged,
// altered, replayed, too old, or not sealed at all) is dropped as if it
// never came: no ACK, no retransmission, no timer change, nothing written.
// It is counted in Stats.SealDropped and reported to Server.SealDropped.
// The per-packet path reuses its buffers and does not allocate.
//
// # Sockets
//
// On Linux a transfer over a *net.UDPConn reads and sends with direct
// system calls: sends are single sendto(2) calls, reads single
// recvfrom(2) calls, and a read is tried at once, since the answer is
// often queued already. How an end waits when it is not depends on the
// transfer and the process:
//
//   - at window 1 with more than one processor (GOMAXPROCS), in one
//     ppoll(2) on the socket and on an eventfd that cancellation signals,
//     with the retransmission timeout as its argument. A block then costs
//     one sendto and one recvfrom at each end, plus a ppoll and a failed
//     recvfrom when it has to wait, and no scheduler work: the waiting
//     goroutine goes on, on its own thread, the moment its answer comes.
//     When the peer shares the CPU (both ends on one core, as on a loaded
//     loopback), the answer is never queued when the read is tried, since
//     the peer runs only once this end waits; after four such failures in
//     a row an end waits first (ppoll returns at once for a queued
//     datagram) and tries at once only every 16th time, to see whether
//     answers have begun to come early.
//   - otherwise in the runtime's network poller, with a read deadline as
//     the timer. A goroutine in a system call keeps its processor until
//     the runtime's monitor takes it back (after 20 µs to 10 ms): with one
//     processor nothing else in the process runs meanwhile (an in-process
//     transfer then moves one block per monitor tick, 7 MB/s against 140
//     in the poller), and every wait wakes the monitor. In the poller the
//     goroutine gives its processor back while it waits; and a window of
//     several blocks usually finds the next one queued, so it waits
//     rarely and gains nothing from ppoll (window 16 on loopback: 175–215
//     MB/s in the poller, 120–160 in ppoll, on the same two cores).
//
// Elsewhere, and for
// other net.PacketConn implementations, transfers use the net package.
//
// # API
//
// Server answers requests arriving at a listening socket, asks its
// Handler for a ReadSource or WriteSink, and runs each transfer from a
// fresh socket (optionally from a port range), within a limit of
// concurrent transfers; Handler errors become ERROR packets with the
// matching code. Datagrams that are not TFTP go to Server.OtherPacket, so
// that another protocol can share the port. Download and Upload are the
// client side; Fetch, given a FileDownload, adds what the app needs: a
// .part file, resume with offset, size and SHA-256 verification, and a
// final name that never overwrites an existing file. Progress callbacks receive
// bytes done, the total and a smoothed rate after every block; the
// per-block path does not allocate.
//
// Package lossy, beside this one, wraps a net.PacketConn with a seeded
// lossy network for tests.
package tftp
