package server

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// httpFrom returns a client whose requests come from the loopback address
// local, and closes its connections at the end of the test.
func httpFrom(t testing.TB, local string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: guard}
	tr := &http.Transport{DialContext: d.DialContext, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: guard}
}

func do(t testing.TB, c *http.Client, method, url string, body io.Reader, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, url, body)
	require.NoError(t, err)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, b
}

func TestHTTPDownloadWithResume(t *testing.T) {
	h := startWebHub(t, nil, nil)
	data := randomData(1, 300_000)
	writeData(t, h.dir, "photo.jpg", data)
	c := h.registerWS(t, "phone")
	web := httpFrom(t, "127.0.0.1")

	g := c.grant("GET photo.jpg")
	resp, body := do(t, web, "GET", h.base+"/t/"+g.Token, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.True(t, bytes.Equal(data, body), "downloaded bytes differ")
	assert.Equal(t, `"`+sha256Hex(data)+`"`, resp.Header.Get("ETag"))
	assert.Equal(t, fmt.Sprint(len(data)), resp.Header.Get("Content-Length"))
	assert.Contains(t, resp.Header.Get("Content-Disposition"), "photo.jpg")

	// The token was good once.
	resp, body = do(t, web, "GET", h.base+"/t/"+g.Token, nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Contains(t, string(body), "unknown or used token")

	// Resume: a new grant, the rest of the file from where it stopped,
	// provided it is still the same file.
	const have = 123_456
	g = c.grant("GET photo.jpg")
	resp, body = do(t, web, "GET", h.base+"/t/"+g.Token, nil, "Range", fmt.Sprintf("bytes=%d-", have), "If-Range", `"`+sha256Hex(data)+`"`)
	require.Equal(t, http.StatusPartialContent, resp.StatusCode, "%s", body)
	assert.Equal(t, fmt.Sprintf("bytes %d-%d/%d", have, len(data)-1, len(data)), resp.Header.Get("Content-Range"))
	assert.True(t, bytes.Equal(data[have:], body), "resumed bytes differ")

	// Every grant gave its slot back.
	require.Eventually(t, func() bool {
		h.ts.mu.Lock()
		defer h.ts.mu.Unlock()
		return h.ts.slots == 0
	}, guard, 5*time.Millisecond)
}

func TestHTTPTokensRefused(t *testing.T) {
	h := startWebHub(t, nil, func(_ *Config, tc *TransferConfig) { tc.TokenTTL = 200 * time.Millisecond })
	data := randomData(2, 5000)
	writeData(t, h.dir, "a.bin", data)
	c := h.registerWS(t, "phone")
	web := httpFrom(t, "127.0.0.1")
	other := httpFrom(t, "127.0.0.2")

	g := c.grant("GET a.bin")
	resp, body := do(t, other, "GET", h.base+"/t/"+g.Token, nil)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, string(body), "another address")
	resp, body = do(t, web, "PUT", h.base+"/t/"+g.Token, strings.NewReader("x"))
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Contains(t, string(body), "download")
	// Refused uses leave the token to its owner.
	resp, body = do(t, web, "GET", h.base+"/t/"+g.Token, nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, bytes.Equal(data, body))

	resp, _ = do(t, web, "GET", h.base+"/t/"+strings.Repeat("0", 32), nil)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	g = c.grant("GET a.bin")
	time.Sleep(300 * time.Millisecond) // past the token's 200 ms
	resp, body = do(t, web, "GET", h.base+"/t/"+g.Token, nil)
	assert.Equal(t, http.StatusGone, resp.StatusCode)
	assert.Contains(t, string(body), "expired")
}

func TestHTTPUploadStoredAndAnnounced(t *testing.T) {
	h := startWebHub(t, nil, nil)
	watcher := h.registerTCP(t, "desk")
	c := h.registerWS(t, "phone")
	watcher.skipTo("JOIN")
	web := httpFrom(t, "127.0.0.1")
	data := randomData(3, 200_000)

	g := c.grant(fmt.Sprintf("PUT %d %s holiday.mp4", len(data), sha256Hex(data)))
	resp, body := do(t, web, "PUT", h.base+"/t/"+g.Token, bytes.NewReader(data))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	assert.Equal(t, "holiday.mp4\n", string(body))
	assert.Regexp(t, fmt.Sprintf(`^SHARED \d+ phone %d %s holiday.mp4$`, len(data), sha256Hex(data)), watcher.skipTo("SHARED"))
	got, err := os.ReadFile(filepath.Join(h.dir, "holiday.mp4"))
	require.NoError(t, err)
	assert.True(t, bytes.Equal(data, got))
	watcher.send("FILES")
	assert.Regexp(t, fmt.Sprintf(`^FILE %d %s \d+ holiday.mp4$`, len(data), sha256Hex(data)), watcher.skipTo("FILE "))

	c.skipTo("SHARED")
	// The same name again is stored beside it.
	g = c.grant(fmt.Sprintf("PUT %d %s holiday.mp4", len(data), sha256Hex(data)))
	resp, body = do(t, web, "PUT", h.base+"/t/"+g.Token, bytes.NewReader(data))
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	assert.Equal(t, "holiday (1).mp4\n", string(body))
}

func TestHTTPUploadRefusedLeavesNothing(t *testing.T) {
	h := startWebHub(t, nil, nil)
	c := h.registerWS(t, "phone")
	web := httpFrom(t, "127.0.0.1")
	data := randomData(4, 100_000)
	put := fmt.Sprintf("PUT %d %s f.bin", len(data), sha256Hex(data))

	// Wrong bytes: 422, and the uploader hears of it on its session.
	g := c.grant(put)
	bad := bytes.Clone(data)
	bad[500] ^= 1
	resp, body := do(t, web, "PUT", h.base+"/t/"+g.Token, bytes.NewReader(bad))
	assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	assert.Contains(t, string(body), "checksum-mismatch")
	c.expectErr(422, "PUT", "checksum-mismatch")
	requireDirSettles(t, h.dir)

	// Too long, declared: 413 before a byte is read.
	g = c.grant(put)
	resp, _ = do(t, web, "PUT", h.base+"/t/"+g.Token, bytes.NewReader(append(bytes.Clone(data), 1)))
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	// Too long, undeclared (chunked): 413 too.
	g = c.grant(put)
	resp, _ = do(t, web, "PUT", h.base+"/t/"+g.Token, io.MultiReader(bytes.NewReader(data), strings.NewReader("more")))
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	c.expectErr(422, "PUT", "checksum-mismatch")
	requireDirSettles(t, h.dir)

	// Cut short: the connection drops half way.
	g = c.grant(put)
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.base, "http://"))
	require.NoError(t, err)
	fmt.Fprintf(conn, "PUT /t/%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", g.Token, strings.TrimPrefix(h.base, "http://"), len(data))
	conn.Write(data[:len(data)/2])
	conn.Close()
	requireDirSettles(t, h.dir)
	// Its slot came back: the hub is idle again.
	require.Eventually(t, func() bool {
		h.ts.mu.Lock()
		defer h.ts.mu.Unlock()
		return h.ts.slots == 0
	}, guard, 5*time.Millisecond)
}
