// Package load drives a Natter hub with many natter/1 clients at once and
// measures what it delivers: how fast all clients register, how many
// messages per second reach their receivers, the end-to-end latency of each
// delivery, what was lost or reordered, which clients the hub dropped, and
// the hub's resident memory. It is the engine of the natterload command.
//
// A run has four phases: connect and register every client; wait until each
// has seen every other (the hub's JOIN and USERS lines have drained) and
// sample the hub's idle memory; let the senders send; wait until every
// receiver has what it should, or the time is up.
package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"time"
)

// Mode says whom the senders address.
type Mode string

const (
	// Broadcast: senders send MSG lines, which the hub delivers to every
	// registered client, the sender included.
	Broadcast Mode = "msg"
	// Private: senders send each message as PRIV to one other client, chosen
	// at random; the hub delivers it to that client and echoes it to the
	// sender as confirmation.
	Private Mode = "priv"
)

// ParseMode returns the Mode named s ("msg" or "priv"; "broadcast" and
// "private" also do).
func ParseMode(s string) (Mode, error) {
	switch s {
	case "msg", "broadcast":
		return Broadcast, nil
	case "priv", "private":
		return Private, nil
	}
	return "", fmt.Errorf("mode %q: want msg or priv", s)
}

// Receiver says how natterload reads what the hub sends to its clients.
type Receiver string

const (
	// ReceiveEpoll reads every client's connection from a few event loops
	// (Config.Receivers) of natterload's own, one non-blocking read per
	// ready connection, as redis-benchmark does: about half the reads of
	// ReceiveGoroutines and no goroutine switch per delivery. One loop
	// reads on one core at most, so at full speed more loops keep up with a
	// faster hub. Linux only.
	ReceiveEpoll Receiver = "epoll"
	// ReceiveGoroutines gives every client a goroutine of its own that reads
	// its connection through Go's network poller: portable, but every
	// delivery costs a goroutine wake-up and, after the read that brings
	// the line, a second one that finds nothing.
	ReceiveGoroutines Receiver = "goroutines"
)

// DefaultReceiver is ReceiveEpoll where it exists, ReceiveGoroutines
// elsewhere.
const DefaultReceiver = defaultReceiver

// ParseReceiver returns the Receiver named s ("epoll" or "goroutines").
func ParseReceiver(s string) (Receiver, error) {
	switch r := Receiver(s); r {
	case ReceiveEpoll, ReceiveGoroutines:
		return r, nil
	}
	return "", fmt.Errorf("receiver %q: want epoll or goroutines", s)
}

// Config describes one load run.
type Config struct {
	// Addr is the hub's TCP address, host:port. It must be a loopback
	// address unless AllowRemote is set.
	Addr        string
	AllowRemote bool
	// TLS connects every client with TLS 1.3 (Addr is then the hub's TLS
	// port), accepting whatever key the hub presents: the run measures
	// the cost of encryption, not trust. The clients then read with
	// goroutines (ReceiveGoroutines), as an event loop cannot decrypt.
	TLS bool

	Clients  int     // clients to connect and register
	Senders  int     // how many of them send (the first ones); 0 for an idle run
	Messages int     // messages per sender
	Size     int     // bytes of text per message, MinSize..MaxSize
	Rate     float64 // messages per second per sender; 0 sends at full speed
	Mode     Mode
	// Spread, with a Rate, starts the senders' schedules evenly spread over
	// one sending interval (sender k later by k/(Senders*Rate) seconds)
	// rather than all at the same instant, so the hub sees a steady stream
	// instead of bursts of Senders messages.
	Spread bool

	// Receive chooses how the clients read; default DefaultReceiver.
	Receive Receiver
	// Receivers is the number of event loops of ReceiveEpoll, each reading
	// its share of the clients (client i belongs to loop i mod Receivers).
	// Default: one per processor (GOMAXPROCS), so that reading is not what
	// limits a run; on two cores, two loops against one measured a fifth
	// more deliveries per second at full speed and a lower latency tail.
	Receivers int

	// Timeout bounds the whole run, from the first connection to the last
	// delivery. A run that times out reports what arrived.
	Timeout time.Duration

	// NickPrefix starts every nick; a zero-padded client number follows
	// (load00001). Default "load".
	NickPrefix string
	// Dialers is how many clients connect and register at the same time.
	// Default 64.
	Dialers int
	// SettleTimeout bounds the wait, after registration, for every client to
	// have seen every other one. Default: the rest of Timeout.
	SettleTimeout time.Duration
	// IdlePause is how long to wait, once settled, before sampling the hub's
	// idle memory. Default 1 s: natterd returns the memory of a burst of
	// registrations once it has been quiet for 200-400 ms, and a large heap
	// takes a while to collect on a busy machine.
	IdlePause time.Duration
	// Hold keeps the registered clients connected and idle this much longer
	// before sending, e.g. to inspect or profile the hub meanwhile.
	Hold time.Duration

	// HubPID is the hub's process id, for reading its memory from
	// /proc/<pid>/status; 0 measures nothing.
	HubPID int
	// Seed picks the receivers of private messages; runs with the same seed
	// address the same receivers.
	Seed uint64

	// Logf, if set, is told about the progress of the run.
	Logf func(format string, args ...any)
}

func (c *Config) withDefaults() Config {
	d := *c
	if d.Mode == "" {
		d.Mode = Broadcast
	}
	if d.NickPrefix == "" {
		d.NickPrefix = "load"
	}
	if d.Receive == "" {
		d.Receive = DefaultReceiver
	}
	if d.TLS {
		d.Receive = ReceiveGoroutines
	}
	if d.Receivers == 0 {
		d.Receivers = runtime.GOMAXPROCS(0)
	}
	if d.Dialers <= 0 {
		d.Dialers = 64
	}
	if d.IdlePause <= 0 {
		d.IdlePause = time.Second
	}
	if d.Logf == nil {
		d.Logf = func(string, ...any) {}
	}
	return d
}

// validate reports the first setting that cannot make a run.
func (c *Config) validate() error {
	switch {
	case c.Clients < 1:
		return fmt.Errorf("clients %d: want at least 1", c.Clients)
	case c.Senders < 0 || c.Senders > c.Clients:
		return fmt.Errorf("senders %d: want 0..%d (the number of clients)", c.Senders, c.Clients)
	case c.Messages < 0:
		return fmt.Errorf("messages %d: want 0 or more", c.Messages)
	case c.Size < MinSize || c.Size > MaxSize:
		return fmt.Errorf("size %d: want %d..%d bytes (the text carries its sender, sequence number and send time)", c.Size, MinSize, MaxSize)
	case c.Rate < 0:
		return fmt.Errorf("rate %g: want 0 (full speed) or more messages per second", c.Rate)
	case c.Timeout <= 0:
		return fmt.Errorf("timeout %v: want a positive duration", c.Timeout)
	case c.Mode != Broadcast && c.Mode != Private:
		return fmt.Errorf("mode %q: want msg or priv", c.Mode)
	case c.Mode == Private && c.Senders > 0 && c.Clients < 2:
		return errors.New("private mode needs at least 2 clients: a sender and a receiver")
	case c.Spread && c.Rate == 0:
		return errors.New("spread: senders at full speed have no schedule to spread; set a rate")
	case c.Receive != ReceiveEpoll && c.Receive != ReceiveGoroutines:
		return fmt.Errorf("receiver %q: want epoll or goroutines", c.Receive)
	case c.Receive == ReceiveEpoll && !epollSupported:
		return fmt.Errorf("receiver epoll: natterload has it only on Linux; use goroutines")
	case c.Receivers < 1:
		return fmt.Errorf("receivers %d: want 1 or more event loops", c.Receivers)
	}
	width := nickWidth(c.Clients)
	if n := len([]rune(c.NickPrefix)) + width; n > 24 {
		return fmt.Errorf("nick prefix %q: nicks would be %d characters, natter/1 allows 24", c.NickPrefix, n)
	}
	if !validNickPrefix(c.NickPrefix) {
		return fmt.Errorf("nick prefix %q: want a letter followed by letters, digits, '_', '-' or '.'", c.NickPrefix)
	}
	return nil
}

// validNickPrefix accepts ASCII nick starts; the tool needs no more.
func validNickPrefix(s string) bool {
	for i, r := range s {
		isLetter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !isLetter {
			return false
		}
		if !isLetter && !(r >= '0' && r <= '9') && r != '_' && r != '-' && r != '.' {
			return false
		}
	}
	return s != ""
}

// nickWidth is the number of digits in every nick: five, or more for runs
// with 100,000 clients or more.
func nickWidth(clients int) int {
	return max(5, len(strconv.Itoa(clients)))
}

// CheckLoopback returns an error unless addr's host is a loopback address
// (127.0.0.0/8, ::1) or a name that resolves only to loopback addresses.
// An empty host, as in ":50000", dials the local system and is accepted.
// A load generator aimed elsewhere would be a flood on someone's network,
// so that takes an explicit choice (Config.AllowRemote).
func CheckLoopback(ctx context.Context, addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	if host == "" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsLoopback() {
			return fmt.Errorf("address %q is not a loopback address: natterload only floods remote hubs when told to (-allow-remote)", addr)
		}
		return nil
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return fmt.Errorf("address %q: %w", addr, err)
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return fmt.Errorf("address %q resolves to %s, which is not a loopback address: natterload only floods remote hubs when told to (-allow-remote)", addr, ip.IP)
		}
	}
	if len(ips) == 0 {
		return fmt.Errorf("address %q: host resolves to no address", addr)
	}
	return nil
}

// fileMargin is the open files a run needs beside its client connections
// (standard streams, the Go runtime, /proc reads, a spawned hub's pipes).
const fileMargin = 64

// FilesNeeded returns the open-file limit a run with the given number of
// clients needs.
func FilesNeeded(clients int) uint64 { return uint64(clients) + fileMargin }
