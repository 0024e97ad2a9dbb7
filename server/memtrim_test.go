package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A burst is trimmed after one quiet interval, not while messages flow,
// and not when it is too small.
func TestMemoryTrimWaitsForQuiet(t *testing.T) {
	var tr memoryTrimmer
	for range trimMinEvents - 1 {
		tr.note()
	}
	assert.False(t, tr.due(), "the burst is still growing")
	assert.False(t, tr.due(), "too small a burst is never trimmed")

	tr.note()
	assert.False(t, tr.due(), "the burst grew in this interval")
	for i := range 5 {
		tr.noteMessage()
		assert.False(t, tr.due(), "interval %d had a message", i)
	}
	assert.True(t, tr.due(), "a quiet interval after the burst")
	assert.False(t, tr.due(), "the burst was trimmed; no other came")

	// Events during messages still make a burst, trimmed once quiet.
	for range trimMinEvents {
		tr.note()
		tr.noteMessage()
	}
	assert.False(t, tr.due())
	tr.noteMessage()
	assert.False(t, tr.due(), "messages only")
	assert.True(t, tr.due())
}
