package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
)

// The device identity is made once, mode 0600, in the configuration
// folder, and the same one is found on the next start.
func TestTrustFilesMadeOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "config")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	pins, device := trustFiles(dir, log)
	require.NotNil(t, pins)
	require.NotNil(t, device)
	info, err := os.Stat(filepath.Join(dir, identity.DeviceKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	_, again := trustFiles(dir, log)
	require.NotNil(t, again)
	assert.Equal(t, device.Fingerprint(), again.Fingerprint())

	// A key file that cannot be read leaves the app without an identity,
	// never with a new one in its place.
	require.NoError(t, os.Chmod(filepath.Join(dir, identity.DeviceKeyFile), 0o644))
	_, exposed := trustFiles(dir, log)
	assert.Nil(t, exposed)
}
