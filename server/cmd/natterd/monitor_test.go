package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestStatusOfARunningHub starts natterd with its metrics on a loopback
// port, chats through it, and reads it back with natterd -status.
func TestStatusOfARunningHub(t *testing.T) {
	metrics := freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-tls-addr=", "-dir", t.TempDir(),
			"-announce=false", "-metrics-addr", metrics}, env(nil), stdout, io.Discard)
	}()
	addr, _ := waitListening(t, stdout)
	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + metrics + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 10*time.Millisecond)

	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = io.WriteString(conn, "NICK alice\nMSG hello\n")
	require.NoError(t, err)
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		if strings.HasPrefix(line, "MSG ") {
			break
		}
	}

	var out, errOut strings.Builder
	// NATTER_STATUS in the environment does not turn -status on; the flag does.
	code := run(context.Background(), []string{"-status", "-metrics-addr", metrics}, env(map[string]string{"NATTER_STATUS": "false"}), &out, &errOut)
	require.Equal(t, 0, code, errOut.String())
	require.Contains(t, out.String(), "at http://"+metrics+": serving")
	require.Contains(t, out.String(), "sessions    1 open, 1 with a nick")
	require.Contains(t, out.String(), "messages    1 public, 0 private")

	cancel()
	require.Equal(t, 0, <-done)

	// The hub is gone: -status says so and fails.
	out.Reset()
	errOut.Reset()
	code = run(context.Background(), []string{"-status", "-metrics-addr", metrics}, env(nil), &out, &errOut)
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "is natterd running")
}

func TestMetricsURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:50081": "http://127.0.0.1:50081",
		":50081":          "http://127.0.0.1:50081",
		"0.0.0.0:9":       "http://127.0.0.1:9",
		"[::1]:50081":     "http://[::1]:50081",
		"hub.lan:50081":   "http://hub.lan:50081",
	} {
		require.Equal(t, want, metricsURL(addr), addr)
	}
}
