package hosting

import (
	"bufio"
	"context"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// chat registers nick on the hub at addr, sends text (if any) and returns
// the HISTORY lines it got on registering.
func chat(t *testing.T, addr, nick, text string) []string {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	r := bufio.NewReader(conn)
	_, err = conn.Write([]byte("NICK " + nick + "\n"))
	require.NoError(t, err)
	var history []string
	for range 100 {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if n, ok := strings.CutPrefix(strings.TrimSpace(line), "HISTORY "); ok {
			count, err := strconv.Atoi(n)
			require.NoError(t, err)
			for range count {
				l, err := r.ReadString('\n')
				require.NoError(t, err)
				history = append(history, strings.TrimSpace(l))
			}
			break
		}
	}
	if text != "" {
		_, err = conn.Write([]byte("MSG " + text + "\n"))
		require.NoError(t, err)
		for range 100 {
			line, err := r.ReadString('\n')
			require.NoError(t, err)
			if strings.HasPrefix(line, "MSG ") {
				break
			}
		}
	}
	return history
}

func TestHostedHubKeepsHistoryAcrossRestarts(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	data := filepath.Join(t.TempDir(), "data", "hub")
	h, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: shared, DataDir: data, Name: "Test hub", NoAnnounce: true})
	require.NoError(t, err)
	require.Empty(t, chat(t, h.Addr(), "ann", "kept for later"))
	require.NoError(t, h.Close())

	h, err = Start(context.Background(), Config{Addr: "127.0.0.1:0", Dir: shared, DataDir: data, Name: "Test hub", NoAnnounce: true})
	require.NoError(t, err)
	defer h.Close()
	history := chat(t, h.Addr(), "bob", "")
	require.Len(t, history, 1)
	require.True(t, strings.HasSuffix(history[0], " ann kept for later"), history[0])
}
