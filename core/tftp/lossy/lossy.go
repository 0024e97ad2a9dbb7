// Package lossy wraps a net.PacketConn so that tests can see how a
// protocol copes with a bad network: it drops, duplicates, delays and
// thereby reorders datagrams in both directions. Decisions come from a
// seeded math/rand/v2 generator, so a seed always makes the same decisions
// for the same sequence of packets. It is meant for tests only; it lives
// outside internal/ so that the tests of other Natter packages (the hub)
// can use it too.
package lossy

import (
	"errors"
	"math/rand/v2"
	"net"
	"os"
	"sync"
	"time"
)

// Config sets the rates (0..1) of each mishap, per packet and direction.
type Config struct {
	Seed      uint64
	Drop      float64       // packet vanishes
	Duplicate float64       // packet arrives twice
	Delay     float64       // packet is held back, so later ones overtake it
	MaxDelay  time.Duration // longest hold-back (default 5 ms)
	// Observe, when set, sees every packet the wrapped side writes and
	// reads (after the mishaps on the read side), and every read deadline
	// that expires (pkt nil, out false).
	Observe func(out bool, pkt []byte)
}

// Counts says what the wrapper did.
type Counts struct {
	Dropped, Duplicated, Delayed int
}

type pending struct {
	data []byte
	from net.Addr
	due  time.Time
}

// Conn is a lossy net.PacketConn.
type Conn struct {
	net.PacketConn
	cfg Config

	mu       sync.Mutex
	rng      *rand.Rand
	counts   Counts
	queue    []pending // inbound packets held back or duplicated
	deadline time.Time // the caller's read deadline
	closed   bool
	writes   sync.WaitGroup

	readMu sync.Mutex // one reader at a time uses buf
	buf    []byte
}

// New wraps pc.
func New(pc net.PacketConn, cfg Config) *Conn {
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = 5 * time.Millisecond
	}
	return &Conn{PacketConn: pc, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
}

// Counts returns what has been done so far.
func (c *Conn) Counts() Counts {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts
}

type fate struct {
	drop, dup bool
	delay     time.Duration
}

func (c *Conn) decide() fate {
	c.mu.Lock()
	defer c.mu.Unlock()
	var f fate
	if c.rng.Float64() < c.cfg.Drop {
		c.counts.Dropped++
		f.drop = true
		return f
	}
	if c.rng.Float64() < c.cfg.Duplicate {
		c.counts.Duplicated++
		f.dup = true
	}
	if c.rng.Float64() < c.cfg.Delay {
		c.counts.Delayed++
		f.delay = time.Duration(1 + c.rng.Int64N(int64(c.cfg.MaxDelay)))
	}
	return f
}

func (c *Conn) observe(out bool, pkt []byte) {
	if c.cfg.Observe != nil {
		c.cfg.Observe(out, pkt)
	}
}

// WriteTo sends p, or pretends to.
func (c *Conn) WriteTo(p []byte, addr net.Addr) (int, error) {
	c.observe(true, p)
	f := c.decide()
	if f.drop {
		return len(p), nil
	}
	if f.delay > 0 {
		cp := append([]byte(nil), p...)
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return len(p), nil
		}
		c.writes.Add(1)
		c.mu.Unlock()
		time.AfterFunc(f.delay, func() {
			defer c.writes.Done()
			_, _ = c.PacketConn.WriteTo(cp, addr)
		})
	} else if _, err := c.PacketConn.WriteTo(p, addr); err != nil {
		return 0, err
	}
	if f.dup {
		if _, err := c.PacketConn.WriteTo(p, addr); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// SetReadDeadline records the caller's deadline; the wrapper waits on
// the real socket for no later than that.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return c.PacketConn.SetReadDeadline(t)
}

// SetDeadline sets both deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.PacketConn.SetWriteDeadline(t)
}

// ReadFrom returns the next packet that survives the mishaps.
func (c *Conn) ReadFrom(p []byte) (int, net.Addr, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.buf == nil {
		c.buf = make([]byte, 65536)
	}
	buf := c.buf
	for {
		now := time.Now()
		c.mu.Lock()
		deadline := c.deadline
		wake := deadline
		for i, q := range c.queue {
			if !q.due.After(now) {
				c.queue = append(c.queue[:i], c.queue[i+1:]...)
				c.mu.Unlock()
				n := copy(p, q.data)
				c.observe(false, p[:n])
				return n, q.from, nil
			}
			if wake.IsZero() || q.due.Before(wake) {
				wake = q.due
			}
		}
		c.mu.Unlock()
		if !deadline.IsZero() && !now.Before(deadline) {
			c.observe(false, nil)
			return 0, nil, os.ErrDeadlineExceeded
		}
		if err := c.PacketConn.SetReadDeadline(wake); err != nil {
			return 0, nil, err
		}
		n, from, err := c.PacketConn.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue // a held packet is due, or the caller's deadline passed
			}
			return 0, nil, err
		}
		f := c.decide()
		if f.drop {
			continue
		}
		data := buf[:n]
		c.mu.Lock()
		if f.dup {
			c.queue = append(c.queue, pending{data: append([]byte(nil), data...), from: from, due: now})
		}
		if f.delay > 0 {
			c.queue = append(c.queue, pending{data: append([]byte(nil), data...), from: from, due: now.Add(f.delay)})
			c.mu.Unlock()
			continue
		}
		c.mu.Unlock()
		n = copy(p, data)
		c.observe(false, p[:n])
		return n, from, nil
	}
}

// Close closes the socket after the delayed writes have been attempted.
func (c *Conn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.writes.Wait()
	return c.PacketConn.Close()
}
