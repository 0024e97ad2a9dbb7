package monitor

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/internal/hubtest"
)

// startHub runs a real hub on 127.0.0.1 and its monitor beside it.
func startHub(t *testing.T) (hubAddr, monitorURL string, stop func()) {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.Name = "Monitored"
	hub := hubtest.Start(t, cfg)
	web := httptest.NewServer(Handler(hub.Hub, "1.2.3"))
	t.Cleanup(web.Close)
	require.Eventually(t, func() bool { return hub.Hub.Stats().Serving }, 10*time.Second, time.Millisecond)
	return hub.Addr, web.URL, hub.Stop
}

// chat registers nick and sends one message, reading lines until its echo.
func chat(t *testing.T, addr, nick, text string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.SetDeadline(time.Now().Add(10*time.Second)))
	r := bufio.NewReader(c)
	_, err = io.WriteString(c, "NICK "+nick+"\nMSG "+text+"\n")
	require.NoError(t, err)
	for i := 0; i < 20; i++ {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "MSG ") && strings.HasSuffix(line, " "+nick+" "+text+"\n") {
			return c
		}
	}
	t.Fatalf("no echo of %q", text)
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestMetricsAndHealth(t *testing.T) {
	addr, url, stop := startHub(t)
	chat(t, addr, "alice", "hello")
	chat(t, addr, "bob", "hi alice")

	code, body := get(t, url+"/metrics")
	require.Equal(t, http.StatusOK, code)
	for _, want := range []string{
		`natter_build_info{version="1.2.3"} 1`,
		"natter_serving 1",
		"natter_sessions 2",
		"natter_registered_sessions 2",
		"natter_registrations_total 2",
		`natter_messages_total{kind="public"} 2`,
		`natter_messages_total{kind="private"} 0`,
		"natter_deliveries_total 3", // alice's to herself, bob's to both
		`natter_sessions_ended_total{reason="quit"} 0`,
		"process_resident_memory_bytes ",
		"go_goroutines ",
	} {
		require.Contains(t, body, want)
	}

	code, body = get(t, url+"/healthz")
	require.Equal(t, http.StatusOK, code)
	var health struct {
		Status     string
		Sessions   int
		Registered int
	}
	require.NoError(t, json.Unmarshal([]byte(body), &health))
	require.Equal(t, "ok", health.Status)
	require.Equal(t, 2, health.Registered)

	stop()
	code, body = get(t, url+"/healthz")
	require.Equal(t, http.StatusServiceUnavailable, code, body)
	require.Contains(t, body, `"stopped"`)
}

func TestStatus(t *testing.T) {
	addr, url, _ := startHub(t)
	chat(t, addr, "alice", "hello")
	var out strings.Builder
	require.NoError(t, Status(context.Background(), http.DefaultClient, url, &out))
	text := out.String()
	for _, want := range []string{
		"natterd 1.2.3 at " + url + ": serving",
		"sessions    1 open, 1 with a nick; 1 registrations since start",
		"messages    1 public, 0 private; 1 deliveries;",
		"ended       none",
		"downloads   0 done (0 B), 0 failed",
		"process     ",
	} {
		require.Contains(t, text, want)
	}
}

func TestStatusOfSomethingElse(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "# HELP up Up.\n# TYPE up gauge\nup 1\n")
	}))
	defer other.Close()
	var out strings.Builder
	err := Status(context.Background(), http.DefaultClient, other.URL, &out)
	require.ErrorContains(t, err, "not a natterd metrics page")

	// Nobody listening: the error says what to check.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gone := "http://" + ln.Addr().String()
	ln.Close()
	err = Status(context.Background(), http.DefaultClient, gone, &out)
	require.ErrorContains(t, err, "is natterd running")
	require.Empty(t, out.String())
}

// A hub with a data folder reports its stored history's writes.
func TestStoreFigures(t *testing.T) {
	cfg := server.DefaultConfig()
	cfg.Name = "Monitored"
	cfg.DataDir = t.TempDir()
	hub := hubtest.Start(t, cfg)
	web := httptest.NewServer(Handler(hub.Hub, "1.2.3"))
	t.Cleanup(web.Close)
	chat(t, hub.Addr, "alice", "kept")
	chat(t, hub.Addr, "bob", "kept too")

	_, body := get(t, web.URL+"/metrics")
	for _, want := range []string{
		"natter_store_working 1",
		"natter_store_messages_total 2",
		"natter_store_write_failures_total 0",
		"natter_store_backlog_messages 0",
		"natter_store_commit_seconds_count ",
		"natter_store_commit_seconds_sum ",
	} {
		require.Contains(t, body, want)
	}
	var out strings.Builder
	require.NoError(t, Status(context.Background(), http.DefaultClient, web.URL, &out))
	require.Contains(t, out.String(), "history     writing: 2 messages stored in ")

	// Without a data folder there is no store to report.
	_, url, _ := startHub(t)
	_, body = get(t, url+"/metrics")
	require.NotContains(t, body, "natter_store_")
}
