package load

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/internal/hubtest"
)

// receiveSetup is one way of reading the clients.
type receiveSetup struct {
	receive   Receiver
	receivers int
}

func (s receiveSetup) String() string { return fmt.Sprintf("%s-%d", s.receive, s.receivers) }

// receiveSetups lists the receivers this system has: the goroutines
// everywhere, epoll with one and two loops on Linux.
func receiveSetups() []receiveSetup {
	setups := []receiveSetup{{ReceiveGoroutines, 1}}
	if epollSupported {
		setups = append(setups, receiveSetup{ReceiveEpoll, 1}, receiveSetup{ReceiveEpoll, 2})
	}
	return setups
}

func TestRunWithEachReceiver(t *testing.T) {
	for _, setup := range receiveSetups() {
		t.Run(setup.String()+"/broadcast", func(t *testing.T) {
			const clients, senders, messages = 40, 3, 150
			addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, Config{
				Addr: addr, Clients: clients, Senders: senders, Messages: messages, Size: 80,
				Receive: setup.receive, Receivers: setup.receivers, Timeout: 90 * time.Second, Logf: t.Logf,
			})
			require.NoError(t, err)
			assert.Equal(t, setup.receive, rep.Receive)
			assert.Equal(t, clients, rep.Registered)
			assert.True(t, rep.Settled, "every client saw every other")
			assert.EqualValues(t, senders*messages, rep.Sent)
			assert.EqualValues(t, clients*senders*messages, rep.Delivered)
			assert.EqualValues(t, clients*senders*messages, rep.Latency.Count(), "one latency per delivery")
			assert.Zero(t, rep.Lost)
			assert.Zero(t, rep.OutOfOrder)
			assert.Zero(t, rep.Surplus)
			assert.Zero(t, rep.OtherLines)
			assert.Zero(t, rep.Dropped, "drops: %v", rep.DropReasons)
			assert.True(t, rep.OK())
			assert.Positive(t, rep.LatencyMin)
		})
		t.Run(setup.String()+"/private", func(t *testing.T) {
			const clients, senders, messages = 25, 3, 120
			addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := Run(ctx, Config{
				Addr: addr, Clients: clients, Senders: senders, Messages: messages, Size: 100,
				Mode: Private, Rate: 1000, Spread: true,
				Receive: setup.receive, Receivers: setup.receivers, Timeout: 90 * time.Second, Logf: t.Logf,
			})
			require.NoError(t, err)
			assert.True(t, rep.Spread)
			assert.EqualValues(t, senders*messages, rep.Delivered, "each PRIV to its one receiver")
			assert.EqualValues(t, senders*messages, rep.Confirmed, "and echoed to its sender")
			assert.Zero(t, rep.Lost)
			assert.Zero(t, rep.OutOfOrder)
			assert.Zero(t, rep.Surplus)
			assert.Zero(t, rep.OtherLines)
			assert.Zero(t, rep.Dropped, "drops: %v", rep.DropReasons)
			assert.True(t, rep.OK())
		})
	}
}

// fakeHub is a listener on 127.0.0.1 that registers one client and answers
// each MSG it sends with the delivery, written by deliver.
type fakeHub struct {
	ln      net.Listener
	wg      sync.WaitGroup
	deliver func(conn net.Conn, seq int, line []byte) error
}

func serveFakeHub(t *testing.T, deliver func(conn net.Conn, seq int, line []byte) error) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	h := &fakeHub{ln: ln, deliver: deliver}
	h.wg.Go(h.accept)
	t.Cleanup(func() {
		ln.Close()
		h.wg.Wait()
	})
	return ln.Addr().String()
}

func (h *fakeHub) accept() {
	for {
		conn, err := h.ln.Accept()
		if err != nil {
			return
		}
		h.wg.Go(func() {
			defer conn.Close()
			_ = h.session(conn)
		})
	}
}

// session answers NICK with WELCOME and each "MSG <text>" with a delivery
// of it to its sender, until QUIT or the connection ends.
func (h *fakeHub) session(conn net.Conn) error {
	if err := conn.SetDeadline(time.Now().Add(time.Minute)); err != nil {
		return err
	}
	br := bufio.NewReader(conn)
	var nick string
	for seq := 0; ; {
		line, err := br.ReadString('\n')
		if err != nil {
			return err
		}
		line = strings.TrimRight(line, "\r\n")
		kw, rest, _ := strings.Cut(line, " ")
		switch kw {
		case "NICK":
			nick = rest
			if _, err := fmt.Fprintf(conn, "WELCOME %s\nUSERS 1\nUSER %s\n", nick, nick); err != nil {
				return err
			}
		case "MSG":
			out := fmt.Appendf(nil, "MSG 1700000000000 %s %s\n", nick, rest)
			if err := h.deliver(conn, seq, out); err != nil {
				return err
			}
			seq++
		case "QUIT":
			_, err := io.WriteString(conn, "BYE quit\n")
			return err
		}
	}
}

// writePieces writes line in pieces cut at the given offsets, pausing
// between them so that each arrives in a read of its own.
func writePieces(conn net.Conn, line []byte, cuts ...int) error {
	prev := 0
	for _, cut := range append(cuts, len(line)) {
		if _, err := conn.Write(line[prev:cut]); err != nil {
			return err
		}
		prev = cut
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

func TestReceiveSplitAndLongLines(t *testing.T) {
	// A line longer than the buffer counts by its first readBufferSize
	// bytes only: its tail, a well-formed ERR line of its own, must not be
	// seen as one.
	long := []byte("ERR 400 MSG first-piece ")
	long = append(long, bytes.Repeat([]byte("x"), readBufferSize-len(long))...)
	long = append(long, "ERR 401 MSG tail-piece\n"...)
	deliver := func(conn net.Conn, seq int, line []byte) error {
		switch seq {
		case 0: // the long line, then the delivery cut in two
			if _, err := conn.Write(long); err != nil {
				return err
			}
			return writePieces(conn, line, 10)
		case 1: // cut in three, the last piece only the end of line
			return writePieces(conn, line, 5, len(line)-1)
		case 2: // a second long line arriving in pieces, then the delivery
			if err := writePieces(conn, long, 100, readBufferSize-1, readBufferSize+3); err != nil {
				return err
			}
			_, err := conn.Write(line)
			return err
		default:
			_, err := conn.Write(line)
			return err
		}
	}
	for _, setup := range receiveSetups() {
		t.Run(setup.String(), func(t *testing.T) {
			addr := serveFakeHub(t, deliver)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep, err := Run(ctx, Config{
				Addr: addr, Clients: 1, Senders: 1, Messages: 5, Size: 64, Rate: 20,
				Receive: setup.receive, Receivers: setup.receivers, Timeout: 30 * time.Second,
			})
			require.NoError(t, err)
			assert.EqualValues(t, 5, rep.Delivered)
			assert.Zero(t, rep.Lost)
			assert.Zero(t, rep.OutOfOrder)
			assert.Zero(t, rep.Surplus)
			assert.Zero(t, rep.OtherLines)
			assert.Equal(t, map[string]int{"400 MSG first-piece": 2}, rep.Errors,
				"each long line counted once, by its first piece")
			assert.True(t, rep.OK())
		})
	}
}

func TestRunStoppedEarlyLeaksNothing(t *testing.T) {
	// Every receiver, stopped by the timeout in the middle of a paced send
	// phase, ends all its goroutines by the time Run returns. The hub's
	// own goroutines end with the test, before the check.
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	for _, setup := range receiveSetups() {
		t.Run(setup.String(), func(t *testing.T) {
			addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			rep, err := Run(ctx, Config{
				Addr: addr, Clients: 30, Senders: 2, Messages: 10_000, Size: 64, Rate: 50,
				Receive: setup.receive, Receivers: setup.receivers, Timeout: 2 * time.Second,
			})
			require.ErrorIs(t, err, ErrTimeout)
			assert.True(t, rep.TimedOut)
			assert.Positive(t, rep.Delivered, "what arrived before the timeout")
			assert.Zero(t, rep.Dropped, "a stopped run drops no one: %v", rep.DropReasons)
			assert.Zero(t, rep.OutOfOrder)
		})
	}
}

func TestSendOffsetSpreadsSenders(t *testing.T) {
	cfg := Config{Clients: 4, Senders: 4, Messages: 1, Size: 64, Rate: 100, Timeout: time.Second}
	r := newRunner(cfg.withDefaults())
	for k := range 4 {
		assert.Zero(t, r.sendOffset(k), "not spread: all at once")
	}
	cfg.Spread = true
	r = newRunner(cfg.withDefaults())
	for k, want := range []time.Duration{0, 2500 * time.Microsecond, 5 * time.Millisecond, 7500 * time.Microsecond} {
		assert.InDelta(t, float64(want), float64(r.sendOffset(k)), 1000, "sender %d", k)
	}
}

func TestReportShowsReceiverAndSpread(t *testing.T) {
	rep := &Report{Addr: "127.0.0.1:1", Clients: 2, Senders: 1, Messages: 1, Size: 64, Rate: 100, Spread: true,
		Receive: ReceiveEpoll, Receivers: 2}
	var b strings.Builder
	require.NoError(t, rep.WriteText(&b))
	assert.Contains(t, b.String(), "epoll, 2 event loops")
	assert.Contains(t, b.String(), "senders spread over the interval")

	rep.Receive, rep.Receivers, rep.Spread = ReceiveGoroutines, 0, false
	b.Reset()
	require.NoError(t, rep.WriteText(&b))
	assert.Contains(t, b.String(), "goroutines, one per client")
	assert.NotContains(t, b.String(), "spread")
}
