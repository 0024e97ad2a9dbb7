package hosting

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
)

// A hosted hub with a data folder serves TLS with the key it keeps there,
// the same key after a restart.
func TestHostedHubServesTLS(t *testing.T) {
	data := t.TempDir()
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), DataDir: data, Name: "Test hub", NoAnnounce: true})
	require.NoError(t, err)
	defer h.Close()
	key, ok := h.Key()
	require.True(t, ok)
	require.NotEmpty(t, h.TLSAddr())

	d := &tls.Dialer{Config: identity.ClientConfig(nil, identity.ExpectFingerprint(key))}
	conn, err := d.DialContext(context.Background(), "tcp", h.TLSAddr())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(5*time.Second)))
	line, err := bufio.NewReader(conn).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HELLO natter/1 Test hub", strings.TrimSpace(line))

	stored, err := identity.LoadOrCreateHub(data)
	require.NoError(t, err)
	assert.Equal(t, stored.Fingerprint(), key)
	info, err := os.Stat(filepath.Join(data, identity.HubKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	plain, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), NoAnnounce: true})
	require.NoError(t, err)
	defer plain.Close()
	_, ok = plain.Key()
	assert.False(t, ok, "no data folder, no TLS")
	assert.Empty(t, plain.TLSAddr())
}

// Each join link names the hub's TLS port on a LAN address, and its key.
func TestHostedHubJoinLinks(t *testing.T) {
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), DataDir: t.TempDir(), NoAnnounce: true})
	require.NoError(t, err)
	defer h.Close()
	key, _ := h.Key()
	links, lan := h.JoinLinks(), h.LANAddrs()
	require.Len(t, links, len(lan))
	for i, s := range links {
		link, err := identity.ParseJoinLink(s)
		require.NoError(t, err, s)
		assert.Equal(t, key, link.Fingerprint)
		assert.Equal(t, h.TLSPort(), int(link.Port))
		host, _, _ := net.SplitHostPort(lan[i])
		assert.Equal(t, host, link.Host)
	}

	plain, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir(), NoAnnounce: true})
	require.NoError(t, err)
	defer plain.Close()
	assert.Empty(t, plain.JoinLinks())
}
