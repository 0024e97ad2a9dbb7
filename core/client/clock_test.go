package client

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock that moves only when a test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) NewTimer() clockTimer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := &fakeTimer{clk: f, c: make(chan time.Time, 1)}
	f.timers = append(f.timers, t)
	return t
}

// Advance moves the time on by d and fires the timers that are due.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	for _, t := range f.timers {
		t.fireIfDue()
	}
}

type fakeTimer struct {
	clk   *fakeClock
	c     chan time.Time
	armed bool
	at    time.Time
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Reset(d time.Duration) {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	// Like time.Timer since Go 1.23: a reset drops a tick not yet taken.
	select {
	case <-t.c:
	default:
	}
	t.armed, t.at = true, t.clk.now.Add(d)
	t.fireIfDue()
}

func (t *fakeTimer) Stop() {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	t.armed = false
}

// fireIfDue is called with the clock's lock held.
func (t *fakeTimer) fireIfDue() {
	if !t.armed || t.at.After(t.clk.now) {
		return
	}
	t.armed = false
	select {
	case t.c <- t.clk.now:
	default:
	}
}

func TestFakeClockFiresDueTimers(t *testing.T) {
	clk := newFakeClock()
	tm := clk.NewTimer()
	tm.Reset(time.Second)
	clk.Advance(999 * time.Millisecond)
	select {
	case <-tm.C():
		t.Fatal("fired early")
	default:
	}
	clk.Advance(time.Millisecond)
	select {
	case got := <-tm.C():
		if !got.Equal(clk.Now()) {
			t.Fatalf("fired at %v, want %v", got, clk.Now())
		}
	default:
		t.Fatal("did not fire when due")
	}
	tm.Reset(0)
	select {
	case <-tm.C():
	default:
		t.Fatal("Reset(0) did not fire at once")
	}
}
