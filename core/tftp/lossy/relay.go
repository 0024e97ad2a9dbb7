package lossy

import (
	"errors"
	"net"
	"sync"
	"time"
)

// A Relay stands on 127.0.0.1 between a TFTP client and a server, so that
// tests can see and change every datagram of a transfer as a network
// would: the client sends its request to the relay's address, and the
// relay forwards it to the server's listening address, then everything
// else to the port the server answered from, and every answer back to the
// client. A Relay carries one transfer at a time.
type Relay struct {
	// Tamper, when set, decides what is passed on for each datagram:
	// the datagrams it returns are sent in order (none drops it). toClient
	// says which way pkt goes. pkt is the relay's own copy.
	Tamper func(toClient bool, pkt []byte) [][]byte

	server *net.UDPAddr
	front  *net.UDPConn // faces the client
	back   *net.UDPConn // faces the server
	wg     sync.WaitGroup

	mu       sync.Mutex
	client   *net.UDPAddr // where the client's packets come from
	transfer *net.UDPAddr // the server's transfer port, once it answered
	seen     [][]byte
}

// relayPoll bounds how long the relay's readers wait before checking
// whether it is closed.
const relayPoll = 200 * time.Millisecond

// NewRelay returns a relay to the server listening at server; Start sets
// it going.
func NewRelay(server string) (*Relay, error) {
	sa, err := net.ResolveUDPAddr("udp4", server)
	if err != nil {
		return nil, err
	}
	front, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	back, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		front.Close()
		return nil, err
	}
	return &Relay{server: sa, front: front, back: back}, nil
}

// Addr is where the client sends its request.
func (r *Relay) Addr() string { return r.front.LocalAddr().String() }

// Start forwards datagrams until Close.
func (r *Relay) Start() {
	r.wg.Add(2)
	go r.pump(r.front, false)
	go r.pump(r.back, true)
}

// Close stops the relay and waits for its goroutines.
func (r *Relay) Close() {
	r.front.Close()
	r.back.Close()
	r.wg.Wait()
}

// Datagrams returns a copy of every datagram the relay received, both
// ways, before any change.
func (r *Relay) Datagrams() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.seen...)
}

// isRequest reports whether pkt is a TFTP read or write request.
func isRequest(pkt []byte) bool {
	return len(pkt) >= 2 && pkt[0] == 0 && (pkt[1] == 1 || pkt[1] == 2)
}

func (r *Relay) pump(from *net.UDPConn, toClient bool) {
	defer r.wg.Done()
	buf := make([]byte, 65536)
	for {
		_ = from.SetReadDeadline(time.Now().Add(relayPoll))
		n, src, err := from.ReadFromUDP(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue // the poll deadline
		}
		pkt := append([]byte(nil), buf[:n]...)
		r.mu.Lock()
		r.seen = append(r.seen, append([]byte(nil), pkt...))
		var to *net.UDPAddr
		out := r.back
		if toClient {
			if r.transfer == nil {
				r.transfer = src
			}
			to, out = r.client, r.front
		} else {
			r.client = src
			if isRequest(pkt) {
				r.transfer = nil // a new transfer begins
			}
			to = r.server
			if r.transfer != nil {
				to = r.transfer
			}
		}
		r.mu.Unlock()
		if to == nil {
			continue
		}
		pkts := [][]byte{pkt}
		if r.Tamper != nil {
			pkts = r.Tamper(toClient, pkt)
		}
		for _, p := range pkts {
			_, _ = out.WriteToUDP(p, to)
		}
	}
}
