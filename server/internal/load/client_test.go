package load

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// newTestClient returns a client of a runner for cfg that is not connected,
// to feed lines to by hand.
func newTestClient(cfg Config, idx int) *client {
	cfg = cfg.withDefaults()
	return newRunner(cfg).clients[idx]
}

func TestClientCountsDeliveriesAndOrder(t *testing.T) {
	cfg := Config{Clients: 3, Senders: 2, Messages: 3, Size: 64, Timeout: time.Second}
	c := newTestClient(cfg, 2)
	r := c.r
	msg := func(sender, seq int) []byte {
		text := r.pay.appendText(nil, sender, seq, r.now())
		return fmt.Appendf(nil, "MSG 1700000000000 load%05d %s\n", sender+1, text)
	}
	c.readAt = r.now()
	c.handle([]byte("WELCOME load00003\n"))
	c.handle([]byte("USERS 3\n"))
	for _, n := range []string{"load00001", "load00002", "load00003"} {
		c.handle([]byte("USER " + n + "\n"))
	}
	assert.True(t, c.settled, "saw both others")
	c.handle(msg(0, 0))
	c.handle(msg(1, 0))
	c.handle(msg(0, 2))
	c.handle(msg(0, 1)) // late
	c.handle([]byte("MSG 1700000000000 someone hello there\n"))
	c.handle(msg(5, 0)) // no such sender
	c.handle(msg(1, 1))
	assert.EqualValues(t, 5, c.delivered)
	assert.EqualValues(t, 1, c.outOfOrder)
	assert.EqualValues(t, 2, c.other)
	assert.False(t, c.finished)
	c.handle(msg(1, 2))
	assert.True(t, c.finished, "all six expected arrived")
	assert.EqualValues(t, 6, c.hist.Count())
}

func TestClientPrivateDeliveryAndConfirmation(t *testing.T) {
	cfg := Config{Clients: 3, Senders: 1, Messages: 2, Size: 64, Mode: Private, Timeout: time.Second}
	sender := newTestClient(cfg, 0)
	r := sender.r
	text := r.pay.appendText(nil, 0, 0, r.now())
	line := fmt.Appendf(nil, "PRIV 1700000000000 load00001 load00002 %s\r\n", text)

	sender.handle(line)
	assert.EqualValues(t, 1, sender.confirmed)
	assert.Zero(t, sender.delivered)

	receiver := r.clients[1]
	receiver.handle(line)
	assert.EqualValues(t, 1, receiver.delivered)

	bystander := r.clients[2]
	bystander.handle(line)
	assert.EqualValues(t, 1, bystander.other, "a PRIV between others is not this client's")
}

func TestClientErrBeforeWelcomeFailsRegistration(t *testing.T) {
	c := newTestClient(Config{Clients: 1, Size: 64, Timeout: time.Second}, 0)
	c.handle([]byte("ERR 409 NICK nick-in-use load00001 is taken\n"))
	select {
	case <-c.registered:
	default:
		t.Fatal("registration not signalled")
	}
	assert.ErrorContains(t, c.regErr, "nick-in-use")
	assert.Equal(t, map[string]int{"409 NICK nick-in-use": 1}, c.errs)
}

func BenchmarkClientHandleMsg(b *testing.B) {
	cfg := Config{Clients: 2, Senders: 1, Messages: 1 << 30, Size: 64, Timeout: time.Second}
	c := newTestClient(cfg, 1)
	text := c.r.pay.appendText(nil, 0, 0, 0)
	line := fmt.Appendf(nil, "MSG 1700000000000 load00001 %s\n", text)
	for b.Loop() {
		c.handle(line)
	}
}

func TestCollectCountsLossPerSender(t *testing.T) {
	base := Config{Clients: 3, Senders: 2, Messages: 10, Size: 64, Timeout: time.Second}
	cfg := base.withDefaults()
	r := newRunner(cfg)
	r.sent[0].Store(10)
	r.sent[1].Store(5) // stopped early
	for i, got := range [][]int64{{10, 5}, {9, 5}, {10, 3}} {
		c := r.clients[i]
		c.got = got
		c.delivered = got[0] + got[1]
	}
	r.clients[2].dropped = true
	r.noteLeave("load00003", "too-slow")

	var rep Report
	r.collect(&rep)
	assert.EqualValues(t, 15, rep.Sent)
	assert.EqualValues(t, 5, rep.Unsent)
	assert.EqualValues(t, 42, rep.Delivered)
	assert.EqualValues(t, 3, rep.Lost)
	assert.Equal(t, []int64{1, 2}, rep.LostBySender)
	assert.Equal(t, 1, rep.Dropped)
	assert.Equal(t, map[string]int{"too-slow": 1}, rep.DropReasons)
	assert.False(t, rep.OK())
}
