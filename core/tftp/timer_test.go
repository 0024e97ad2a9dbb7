package tftp

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRTOTimer(t *testing.T) {
	cfg := (&Config{}).withDefaults()
	r := newRTOTimer(cfg)
	assert.Equal(t, DefaultInitialRTO, r.timeout(), "before any sample")
	r.backoff()
	r.progress()
	assert.Equal(t, 2*DefaultInitialRTO, r.timeout(), "before any sample, progress leaves the back-off")
	r = newRTOTimer(cfg)

	r.sample(100 * time.Millisecond) // first: srtt=R, rttvar=R/2, rto=R+4*R/2
	assert.Equal(t, 300*time.Millisecond, r.timeout())
	r.sample(100 * time.Millisecond) // rttvar=3/4*50, srtt=100
	assert.Equal(t, 100*time.Millisecond+4*37500*time.Microsecond, r.timeout())

	for range 200 {
		r.sample(20 * time.Microsecond)
	}
	assert.Equal(t, DefaultMinRTO, r.timeout(), "floored at MinRTO on a fast link")

	r.backoff()
	assert.Equal(t, 2*DefaultMinRTO, r.timeout())
	for range 20 {
		r.backoff()
	}
	assert.Equal(t, DefaultMaxRTO, r.timeout(), "back-off stops at MaxRTO")
	r.sample(20 * time.Microsecond)
	assert.Equal(t, DefaultMinRTO, r.timeout(), "a fresh sample ends the back-off")

	r.backoff()
	r.backoff()
	r.progress()
	assert.Equal(t, DefaultMinRTO, r.timeout(), "progress ends the back-off without a sample")
	for range 200 {
		r.sample(5 * time.Millisecond)
	}
	assert.InDelta(t, 10*time.Millisecond, r.timeout(), float64(10*time.Microsecond), "a steady link: two smoothed round trips, not srtt plus a vanishing deviation")
}

// TestRTOTimerLateSample: an answer that comes sooner after a packet's
// second copy than half a round trip answers the first copy, and its round
// trip is learnt; one that comes later may answer either and is not.
func TestRTOTimerLateSample(t *testing.T) {
	r := newRTOTimer((&Config{}).withDefaults())
	r.lateSample(50*time.Millisecond, 0)
	assert.Equal(t, DefaultInitialRTO, r.timeout(), "nothing is learnt before the first true sample")
	for range 100 {
		r.sample(time.Millisecond)
	}
	steady := r.timeout()
	r.backoff()
	r.lateSample(20*time.Millisecond, 600*time.Microsecond)
	assert.Equal(t, 2*steady, r.timeout(), "600us after the copy: maybe its answer, no sample")
	r.lateSample(20*time.Millisecond, 100*time.Microsecond)
	assert.Greater(t, r.timeout(), 2*steady, "100us after the copy: the first was late, and the 20 ms are learnt")
}

func TestNegotiate(t *testing.T) {
	req := func(op Opcode, opts ...string) *Request {
		r := &Request{Op: op, Filename: "f", Mode: "octet"}
		for i := 0; i+1 < len(opts); i += 2 {
			r.Options = append(r.Options, Option{opts[i], opts[i+1]})
		}
		return r
	}
	oack, p, e := negotiate(req(OpRRQ, "BLKSIZE", "2048", "tsize", "0", "timeout", "6", "windowsize", "200", "foo", "bar"), 5000, MaxBlockSize, 64)
	require.Nil(t, e)
	assert.Equal(t, Options{{"blksize", "2048"}, {"windowsize", "64"}, {"tsize", "5000"}}, oack, "timeout is never acknowledged")
	assert.Equal(t, params{blksize: 2048, window: 64, tsize: 5000}, p)

	oack, p, e = negotiate(req(OpRRQ, "blksize", "99999", "timeout", "0", "windowsize", "0"), 10, 1428, 64)
	require.Nil(t, e)
	assert.Equal(t, Options{{"blksize", "1428"}}, oack, "clamped blksize, out-of-range options left out")
	assert.Equal(t, 1, p.window)

	oack, _, e = negotiate(req(OpRRQ, "blksize", "65464", "windowsize", "64"), 10, MaxBlockSize, 64)
	require.Nil(t, e)
	assert.Equal(t, Options{{"blksize", "65464"}, {"windowsize", "16"}}, oack, "a window is bounded to 1 MiB")

	oack, _, e = negotiate(req(OpRRQ, "blksize", "7", "tsize", "0"), 0, MaxBlockSize, 64)
	require.Nil(t, e)
	assert.Empty(t, oack, "blksize below 8 ignored, tsize 0 left out")

	oack, p, e = negotiate(req(OpWRQ, "tsize", "12345"), -1, MaxBlockSize, 64)
	require.Nil(t, e)
	assert.Equal(t, Options{{"tsize", "12345"}}, oack)
	assert.Equal(t, int64(12345), p.tsize)

	oack, p, e = negotiate(req(OpRRQ, "blksize", "2048", "offset", "4096"), 5000, MaxBlockSize, 64)
	require.Nil(t, e)
	assert.Equal(t, Options{{"blksize", "2048"}, {"offset", "4096"}}, oack)
	assert.Equal(t, int64(4096), p.offset)

	for _, bad := range []*Request{
		req(OpRRQ, "offset", "100"),
		req(OpRRQ, "offset", "-512"),
		req(OpRRQ, "offset", "+512"),
		req(OpRRQ, "offset", "10240"),
		req(OpWRQ, "offset", "0"),
	} {
		_, _, e := negotiate(bad, 5000, MaxBlockSize, 64)
		require.NotNil(t, e, "%v", bad.Options)
		assert.Equal(t, ErrOptionRefused, e.Code)
	}
}

// TestRTOTimerSteadyJitter: on a link whose round trip is steady but
// jitters by up to half of it either way, the timer stays above every
// round trip, so that no timeout fires on a clean link.
func TestRTOTimerSteadyJitter(t *testing.T) {
	r := newRTOTimer((&Config{MinRTO: time.Microsecond}).withDefaults())
	const base = 100 * time.Microsecond
	// A deterministic sequence: runs of calm samples broken by the
	// largest jitter either way.
	jitter := []time.Duration{0, 5, -3, 2, 0, -50, 8, 1, 0, 50, -2, 4, 0, 0, 3, 49}
	for i := range 5000 {
		rtt := base + jitter[i%len(jitter)]*base/100
		if i > 0 {
			require.Greater(t, r.timeout(), rtt, "sample %d: a round trip of %v would fire the timer", i, rtt)
		}
		r.sample(rtt)
	}
}

// TestReceiverDeadline: a receiver repeats its last packet one timeout
// after it before any round trip is known, and two timeouts after it
// once one is, so that Natter's sender, whose timer runs out after one,
// goes first.
func TestReceiverDeadline(t *testing.T) {
	r := &receiver{rto: newRTOTimer((&Config{}).withDefaults())}
	sent := time.Unix(1000, 0)
	data := sent.Add(time.Millisecond)
	assert.Equal(t, data.Add(DefaultInitialRTO), r.deadline(sent, data), "before a sample, from the later of the two")
	for range 50 {
		r.rto.sample(2 * time.Millisecond)
	}
	assert.Equal(t, sent.Add(2*r.rto.timeout()), r.deadline(sent, sent.Add(-time.Second)), "after samples, twice the timeout")
	assert.Equal(t, data.Add(2*r.rto.timeout()), r.deadline(sent, data))
}
