package client

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func texts(rs []*request) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.text)
	}
	return out
}

func TestOutboxKeepsTypedOrderThroughHold(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	o := newOutbox()
	o.window = 2
	for _, s := range []string{"one", "two", "three"} {
		o.add(&request{text: s})
	}
	first := o.take(t0, 0)
	require.Equal(t, []string{"one", "two"}, texts(first), "no more than the window")
	require.Empty(t, o.take(t0, 2), "the window is full")

	// "one" is refused: it goes back before "three", one at a time, after the hold.
	o.hold(t0.Add(50 * time.Millisecond))
	o.requeue(first[0])
	require.Equal(t, t0.Add(50*time.Millisecond), o.deadline(t0))
	require.Empty(t, o.take(t0.Add(49*time.Millisecond), 1))
	require.Empty(t, o.take(t0.Add(50*time.Millisecond), 1), "two is still unconfirmed")
	require.Equal(t, []string{"one"}, texts(o.take(t0.Add(50*time.Millisecond), 0)))
	require.Equal(t, []string{"three"}, texts(o.take(t0.Add(50*time.Millisecond), 0)))
	require.Zero(t, o.deadline(t0), "nothing is held back")
}

func TestPaceHalvesAtMostOnceASecond(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := pace{rate: 18, burst: 40}
	require.True(t, p.slowDown(t0))
	require.Equal(t, pace{rate: 9, burst: 20, last: t0}, p)
	require.False(t, p.slowDown(t0.Add(999*time.Millisecond)), "the ERRs of one burst count once")
	require.True(t, p.slowDown(t0.Add(time.Second)))
	require.Equal(t, 4.5, p.rate)
	for i := 2; i < 10; i++ {
		p.slowDown(t0.Add(time.Duration(i) * time.Second))
	}
	require.Equal(t, 1.0, p.rate, "never below a line a second")
	require.Equal(t, 1, p.burst)
	require.Equal(t, time.Second, p.interval())
}
