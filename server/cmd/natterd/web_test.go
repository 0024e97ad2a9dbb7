package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var webLine = regexp.MustCompile(`(?:join from a browser|web app) at (http://\S+/)`)

// TestRunServesWebApp runs natterd with its web app on a free port: it
// prints the link, and the link serves the app's page.
func TestRunServesWebApp(t *testing.T) {
	stdout := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr", "127.0.0.1:0", "-dir", t.TempDir(),
			"-announce=false"}, env(nil), stdout, &bytes.Buffer{})
	}()
	var link string
	require.Eventually(t, func() bool {
		m := webLine.FindStringSubmatch(stdout.String())
		if m != nil {
			link = m[1]
		}
		return m != nil
	}, 20*time.Second, 10*time.Millisecond)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/$`, link)
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{}}
	resp, err := client.Get(link)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, string(body), `<script src="wasm_exec.js">`)
	client.CloseIdleConnections()
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
}
