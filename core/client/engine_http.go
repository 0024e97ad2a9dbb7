package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/natter-chat/natter/core/tftp"
)

// httpEngine moves file data over the hub's web part (natter/1 section
// 11): GET and PUT /t/<token> at base, http://host:port. The grant's UDP
// address is not used. Downloads are stored as fetchToFolder does (see
// engine_http_other.go); in a browser the browser saves them.
type httpEngine struct {
	base   string
	client *http.Client
}

func newHTTPEngine(base string) httpEngine {
	return httpEngine{base: strings.TrimSuffix(base, "/"), client: &http.Client{}}
}

func (e httpEngine) url(token string) string { return e.base + "/t/" + token }

// ErrSealedOverHTTP refuses a transfer of a TLS session over HTTP: its
// grant is sealed, and HTTP would carry it in the clear.
var ErrSealedOverHTTP = errors.New("client: a sealed transfer cannot go over HTTP")

// upload sends size bytes from r with PUT; the hub answers 201 once it
// stored them, or says why not.
func (e httpEngine) upload(ctx context.Context, _ string, token string, key *[tftp.SealKeySize]byte, r io.Reader, size int64, progress func(int64)) error {
	if key != nil {
		return ErrSealedOverHTTP
	}
	body := &countingReader{r: io.LimitReader(r, size), progress: progress}
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, e.url(token), body)
	if err != nil {
		return err
	}
	req.ContentLength = size
	resp, err := e.client.Do(req)
	if err != nil {
		return fmt.Errorf("client: uploading over HTTP: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return httpStatusError(resp)
	}
	return nil
}

// httpStatusError says what a refused HTTP transfer was told.
func httpStatusError(resp *http.Response) error {
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return fmt.Errorf("client: the hub answered %s: %s", resp.Status, strings.TrimSpace(string(msg)))
}

// countingReader tells progress how many bytes were read so far.
type countingReader struct {
	r        io.Reader
	n        int64
	progress func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if n > 0 && c.progress != nil {
		c.progress(c.n)
	}
	return n, err
}
