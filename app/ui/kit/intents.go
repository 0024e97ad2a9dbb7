package kit

// Intents is a screen's queue of what the user asked for in a frame: the
// screen adds to it while it handles input, and the top-level UI takes the
// whole queue once per frame and carries each request out. Screens never
// reach the client core themselves.
type Intents[T any] struct {
	queue []T
}

// Add queues what the user asked for.
func (q *Intents[T]) Add(intent T) { q.queue = append(q.queue, intent) }

// Take returns the queued intents, oldest first, and empties the queue.
func (q *Intents[T]) Take() []T {
	out := q.queue
	q.queue = nil
	return out
}
