package ui_test

import (
	"testing"

	"go.uber.org/goleak"
)

// Every test leaves no goroutine behind: closing the UI waits for its
// sessions, and the hubs wait for theirs.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
