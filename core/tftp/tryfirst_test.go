package tftp

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestTryFirst: reads tried before waiting stop after tryMissLimit misses in
// a row, come back as a probe every probeEvery calls, and are tried on
// every call again once a probe finds a datagram queued.
func TestTryFirst(t *testing.T) {
	var tr transport
	for i := range tryMissLimit {
		assert.True(t, tr.tryFirst(), "call %d: misses so far %d", i, tr.tryMisses)
		tr.noteTry(false)
	}
	tries := 0
	for range 4 * probeEvery {
		if tr.tryFirst() {
			tries++
			tr.noteTry(false)
		}
	}
	assert.Equal(t, 4, tries, "one probe every %d calls while the answers are never queued", probeEvery)

	for !tr.tryFirst() {
	}
	tr.noteTry(true)
	for i := range 3 * probeEvery {
		assert.True(t, tr.tryFirst(), "call %d after a probe found a datagram", i)
		tr.noteTry(true)
	}
	tr.noteTry(false)
	assert.True(t, tr.tryFirst(), "one miss alone does not stop the tries")
}
