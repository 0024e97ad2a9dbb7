package client

import "time"

// clock is where the loop reads the time and sets its one timer. The
// loop stamps each event it takes with one reading, so that everything
// decided about that event agrees on the time; tests put in a clock they
// move by hand. Transport bounds (dial timeout, write deadlines, the wait
// for the hub to close after QUIT) are on the wall clock: they bound
// system calls, not decisions.
type clock interface {
	Now() time.Time
	// NewTimer returns a stopped timer.
	NewTimer() clockTimer
}

// clockTimer fires once on C after Reset(d); Reset with d <= 0 fires at once.
type clockTimer interface {
	C() <-chan time.Time
	Reset(d time.Duration)
	Stop()
}

// wallClock is the system clock.
type wallClock struct{}

func (wallClock) Now() time.Time { return time.Now() }

func (wallClock) NewTimer() clockTimer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return wallTimer{t}
}

type wallTimer struct{ t *time.Timer }

func (w wallTimer) C() <-chan time.Time   { return w.t.C }
func (w wallTimer) Reset(d time.Duration) { w.t.Reset(d) }
func (w wallTimer) Stop()                 { w.t.Stop() }
