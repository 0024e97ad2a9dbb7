//go:build unix

package load

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRaiseFileLimit(t *testing.T) {
	var lim syscall.Rlimit
	require.NoError(t, syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim))

	got, err := RaiseFileLimit(FilesNeeded(10))
	require.NoError(t, err)
	assert.Equal(t, lim.Max, got, "soft limit raised to the hard limit")

	if lim.Max >= 1<<40 {
		t.Skip("no hard limit to run into")
	}
	_, err = RaiseFileLimit(FilesNeeded(1 << 40))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ulimit -n", "the error says how to fix it")
}
