package identity

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func fp(s string) Fingerprint { return Fingerprint(sha256.Sum256([]byte(s))) }

func TestPinStoreKeepsPins(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app", "pins")
	s := NewPinStore(path)
	_, ok, err := s.Lookup("hub.local:50001")
	require.NoError(t, err)
	assert.False(t, ok, "a missing file holds no pins")

	require.NoError(t, s.Pin("hub.local:50001", fp("a")))
	require.NoError(t, s.Pin("[fe80::1%eth0]:50001", fp("b")))
	require.NoError(t, s.Pin("hub.local:50001", fp("a")), "pinning the same key again is no change")

	// Another store on the same file, as another run of the app.
	s2 := NewPinStore(path)
	got, ok, err := s2.Lookup("HUB.local:50001")
	require.NoError(t, err)
	require.True(t, ok, "hosts compare in lower case")
	assert.Equal(t, fp("a"), got)
	got, ok, err = s2.Lookup("[fe80::1%eth0]:50001")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, fp("b"), got)
	_, ok, err = s2.Lookup("hub.local:50000")
	require.NoError(t, err)
	assert.False(t, ok, "a pin is for one port")

	require.NoError(t, s2.Forget("hub.local:50001"))
	_, ok, err = s.Lookup("hub.local:50001")
	require.NoError(t, err)
	assert.False(t, ok)
}

func TestPinStoreRefusesAnotherKeyUntilReplaced(t *testing.T) {
	s := NewPinStore(filepath.Join(t.TempDir(), "pins"))
	require.NoError(t, s.Pin("10.0.0.1:50001", fp("old")))
	err := s.Pin("10.0.0.1:50001", fp("new"))
	var changed *KeyChangedError
	require.True(t, errors.As(err, &changed), "got %v", err)
	assert.Equal(t, fp("old"), changed.Pinned)
	assert.Equal(t, fp("new"), changed.Presented)

	got, _, err := s.Lookup("10.0.0.1:50001")
	require.NoError(t, err)
	assert.Equal(t, fp("old"), got)

	require.NoError(t, s.Replace("10.0.0.1:50001", fp("new")))
	got, _, err = s.Lookup("10.0.0.1:50001")
	require.NoError(t, err)
	assert.Equal(t, fp("new"), got)
}

func TestPinFileModes(t *testing.T) {
	skipModesOnWindows(t)
	dir := filepath.Join(t.TempDir(), "app")
	path := filepath.Join(dir, "pins")
	s := NewPinStore(path)
	require.NoError(t, s.Pin("hub.local:50001", fp("a")))
	require.NoError(t, s.Replace("hub.local:50001", fp("b")))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dinfo, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left")

	require.NoError(t, os.Chmod(path, 0o666))
	_, _, err = s.Lookup("hub.local:50001")
	assert.ErrorIs(t, err, ErrFileExposed)
}

func TestPinFileFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pins")
	s := NewPinStore(path)
	require.NoError(t, s.Pin("b.local:2", fp("b")))
	require.NoError(t, s.Pin("a.local:1", fp("a")))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[0], "#"))
	assert.Equal(t, "a.local:1 "+fp("a").String(), lines[1], "sorted by address")
	assert.Equal(t, "b.local:2 "+fp("b").String(), lines[2])
}

func TestCorruptPinFile(t *testing.T) {
	good := "hub.local:50001 " + fp("a").String()
	for content, want := range map[string]string{
		"# c\n\n" + good + "\nrubbish\n":                  "line 4",
		good + "\n" + good + "\n":                         "second pin",
		"hub.local:50001 " + fp("a").String()[:50] + "\n": "line 1",
		"HUB.local:50001 " + fp("a").String() + "\n":      "host:port form",
		"hub.local " + fp("a").String() + "\n":            "host:port form",
	} {
		path := filepath.Join(t.TempDir(), "pins")
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		s := NewPinStore(path)
		_, _, err := s.Lookup("hub.local:50001")
		require.Error(t, err, "%q", content)
		assert.Contains(t, err.Error(), path)
		assert.Contains(t, err.Error(), want, "%q", content)
		assert.Error(t, s.Pin("other.local:1", fp("x")), "a corrupt file is not overwritten")
		after, err := os.ReadFile(path)
		require.NoError(t, err)
		assert.Equal(t, content, string(after))
	}
}

func TestPinStoreBadAddress(t *testing.T) {
	s := NewPinStore(filepath.Join(t.TempDir(), "pins"))
	for _, addr := range []string{"", "hub.local", "hub.local:0", "hub.local:65536", "hub local:1", "hub.local:x", ":50001"} {
		assert.Error(t, s.Pin(addr, fp("a")), "%q", addr)
	}
}

func TestPinStoreConcurrentPins(t *testing.T) {
	s := NewPinStore(filepath.Join(t.TempDir(), "pins"))
	const n = 16
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func() { errs <- s.Pin(fmt.Sprintf("hub%d.local:50001", i), fp(fmt.Sprint(i))) }()
	}
	for i := 0; i < n; i++ {
		require.NoError(t, <-errs)
	}
	for i := 0; i < n; i++ {
		got, ok, err := s.Lookup(fmt.Sprintf("hub%d.local:50001", i))
		require.NoError(t, err)
		require.True(t, ok, "pin %d kept", i)
		assert.Equal(t, fp(fmt.Sprint(i)), got)
	}
}
