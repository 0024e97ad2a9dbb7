package ui

// DrainEvents runs one frame's worth of event handling and returns how
// many events it took.
func (u *UI) DrainEvents() int { return u.drainEvents() }
