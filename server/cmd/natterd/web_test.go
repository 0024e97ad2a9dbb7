package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/skip2/go-qrcode"

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

// TestQRPrintsJoinLink checks natterd -qr: the link, then a QR code of
// it drawn with half blocks, two rows of modules a line.
func TestQRPrintsJoinLink(t *testing.T) {
	var out, errs bytes.Buffer
	require.Equal(t, 0, run(context.Background(), []string{"-qr", "-http-addr", "127.0.0.1:50123"}, env(nil), &out, &errs), errs.String())
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	require.Equal(t, "http://127.0.0.1:50123/", lines[0])
	q, err := qrcode.New(lines[0], qrcode.Medium)
	require.NoError(t, err)
	size := len(q.Bitmap()) // modules a side, quiet zone included
	art := lines[1:]
	assert.Len(t, art, (size+1)/2)
	for i, l := range art {
		assert.Equal(t, size, utf8.RuneCountInString(l), "line %d of the QR code", i)
		assert.Empty(t, strings.Trim(l, "█▀▄ "), "line %d has only blocks", i)
	}

	out.Reset()
	errs.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"-qr", "-http-addr="}, env(nil), &out, &errs))
	assert.Contains(t, errs.String(), "-http-addr is empty")
	// The environment does not turn it on: a hub would exit at once.
	o, err := parseOptions(nil, env(map[string]string{"NATTER_QR": "true"}), &out)
	require.NoError(t, err)
	assert.False(t, o.qr)
}
