package sdnotify

import (
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// listen makes a datagram socket standing in for the service manager's.
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

func receive(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 4096)
	n, err := conn.Read(buf)
	require.NoError(t, err)
	return string(buf[:n])
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestNotifySendsStatesToThePath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	conn := listen(t, path)
	sent, err := Notify(env(map[string]string{"NOTIFY_SOCKET": path}), Ready, Status("serving 3 clients\non :50000"))
	require.NoError(t, err)
	require.True(t, sent)
	require.Equal(t, "READY=1\nSTATUS=serving 3 clients on :50000", receive(t, conn))
}

func TestNotifyAbstractSocket(t *testing.T) {
	name := "natter-sdnotify-test-" + filepath.Base(t.TempDir())
	conn := listen(t, "\x00"+name)
	sent, err := Notify(env(map[string]string{"NOTIFY_SOCKET": "@" + name}), Stopping)
	require.NoError(t, err)
	require.True(t, sent)
	require.Equal(t, "STOPPING=1", receive(t, conn))
}

func TestNotifyWithoutManagerDoesNothing(t *testing.T) {
	sent, err := Notify(env(nil), Ready)
	require.NoError(t, err)
	require.False(t, sent)
}

func TestNotifyRefusesBadInput(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	listen(t, path)
	for _, tc := range []struct {
		name   string
		socket string
		states []string
	}{
		{"no state", path, nil},
		{"not a pair", path, []string{"READY"}},
		{"two lines in one state", path, []string{"READY=1\nSTOPPING=1"}},
		{"relative socket name", "notify", []string{Ready}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent, err := Notify(env(map[string]string{"NOTIFY_SOCKET": tc.socket}), tc.states...)
			require.Error(t, err)
			require.False(t, sent)
		})
	}
	// A socket nobody listens on is an error, not a silent success.
	sent, err := Notify(env(map[string]string{"NOTIFY_SOCKET": filepath.Join(t.TempDir(), "gone")}), Ready)
	require.Error(t, err)
	require.False(t, sent)
}
