package tftp

import "time"

// Defaults of Config.
const (
	DefaultInitialRTO = 500 * time.Millisecond
	DefaultMinRTO     = 250 * time.Microsecond
	DefaultMaxRTO     = time.Second
	DefaultNoProgress = 10 * time.Second
)

// Config tunes the engine at either end of a transfer. The zero value
// uses the defaults.
type Config struct {
	// InitialRTO is the retransmission timeout before the first round-trip
	// sample; MinRTO and MaxRTO bound the adaptive timeout and its back-off.
	InitialRTO, MinRTO, MaxRTO time.Duration
	// NoProgress is how long a transfer may go without progress before it
	// is abandoned with an ERROR packet (default 10 s).
	NoProgress time.Duration
	// Dally is how long a receiver keeps answering retransmissions of the
	// final block after acknowledging it (the final ACK may be lost).
	// Zero means four times the current timeout, within 20 ms and 1 s.
	Dally time.Duration
	// Progress, when set, is called after every block. It must be cheap.
	Progress func(Progress)
	// UnansweredSends, when set, is how many times a sender sends its
	// first packet (the OACK, or block 1) while its peer has sent nothing
	// back; then it gives up. A read request from a forged address is
	// never answered, so this bounds what it makes a server send. Zero:
	// until NoProgress.
	UnansweredSends int
}

func (c *Config) withDefaults() Config {
	var out Config
	if c != nil {
		out = *c
	}
	if out.InitialRTO <= 0 {
		out.InitialRTO = DefaultInitialRTO
	}
	if out.MinRTO <= 0 {
		out.MinRTO = DefaultMinRTO
	}
	if out.MaxRTO <= 0 {
		out.MaxRTO = DefaultMaxRTO
	}
	if out.MaxRTO < out.MinRTO {
		out.MaxRTO = out.MinRTO
	}
	if out.NoProgress <= 0 {
		out.NoProgress = DefaultNoProgress
	}
	return out
}

// rtoTimer computes the retransmission timeout of one transfer in the
// manner of RFC 6298: a smoothed round-trip time and its mean deviation,
// fed only with samples of blocks sent once (Karn's rule), doubled on
// every expiry up to a ceiling. A peer's RFC 2349 timeout option never
// sets it: the hub leaves that option out of its OACK.
type rtoTimer struct {
	srtt, rttvar time.Duration
	rto          time.Duration
	min, max     time.Duration
	sampled      bool
}

func newRTOTimer(c Config) rtoTimer {
	return rtoTimer{rto: clampDur(c.InitialRTO, c.MinRTO, c.MaxRTO), min: c.MinRTO, max: c.MaxRTO}
}

func clampDur(d, lo, hi time.Duration) time.Duration {
	return min(max(d, lo), hi)
}

// timeout is the current retransmission interval.
func (t *rtoTimer) timeout() time.Duration { return t.rto }

// sample feeds one round-trip measurement of a block that was sent once.
func (t *rtoTimer) sample(r time.Duration) {
	if r < 0 {
		return
	}
	if !t.sampled {
		t.srtt, t.rttvar, t.sampled = r, r/2, true
	} else {
		d := t.srtt - r
		if d < 0 {
			d = -d
		}
		t.rttvar = (3*t.rttvar + d) / 4
		t.srtt = (7*t.srtt + r) / 8
	}
	t.settle()
}

// settle sets the timeout from the smoothed round trip and its deviation.
func (t *rtoTimer) settle() {
	t.rto = clampDur(max(t.srtt+4*t.rttvar, rttFloorFactor*t.srtt), t.min, t.max)
}

// progress ends a back-off once the transfer moves again (new data
// acknowledged or received in order), as TCP does: the path works, and
// otherwise a transfer whose every exchange needs a retransmission (a
// window too large for the receiver's socket buffer, say) would never
// take a sample by Karn's rule and would wait ever longer.
func (t *rtoTimer) progress() {
	if t.sampled {
		t.settle()
	}
}

// rttFloorFactor keeps the timeout at least this many smoothed round
// trips. On a steady link the mean deviation shrinks towards zero and
// srtt+4*rttvar towards srtt itself, so that any ordinary jitter would
// fire the timer; two round trips leave room for a late answer while a
// lost block still costs about one round trip more than a delivered one.
const rttFloorFactor = 2

// lateSample feeds the round trip of a packet that was sent twice, when
// the answer came sooner after the second copy (sinceLast) than half a
// smoothed round trip: too soon to answer that copy, so it answers the
// first, which was late, not lost, and sinceFirst is a true round trip.
// Karn's rule would throw the sample away, and a timer that expired early
// because the peer was held up (its CPU busy elsewhere) would learn nothing
// and expire early again at the next hold-up.
func (t *rtoTimer) lateSample(sinceFirst, sinceLast time.Duration) {
	if t.sampled && sinceLast >= 0 && sinceLast < t.srtt/2 {
		t.sample(sinceFirst)
	}
}

// backoff doubles the timeout after an expiry.
func (t *rtoTimer) backoff() {
	t.rto = min(2*t.rto, t.max)
}

// Progress reports how far a transfer has come.
type Progress struct {
	Done  int64   // bytes of the file done, a resumed prefix included
	Total int64   // size of the file, or -1 when unknown
	Rate  float64 // recent rate in bytes per second
}

// meter turns byte counts into Progress reports with a smoothed rate.
type meter struct {
	fn       func(Progress)
	total    int64
	lastT    time.Time
	lastDone int64
	rate     float64
}

const meterInterval = 100 * time.Millisecond

func (m *meter) start(done int64, now time.Time) {
	m.lastT, m.lastDone = now, done
	if m.fn != nil {
		m.fn(Progress{Done: done, Total: m.total})
	}
}

func (m *meter) update(done int64, now time.Time) {
	if m.fn == nil {
		return
	}
	if dt := now.Sub(m.lastT); dt >= meterInterval {
		inst := float64(done-m.lastDone) / dt.Seconds()
		if m.rate == 0 {
			m.rate = inst
		} else {
			m.rate = 0.6*m.rate + 0.4*inst
		}
		m.lastT, m.lastDone = now, done
	}
	m.fn(Progress{Done: done, Total: m.total, Rate: m.rate})
}
