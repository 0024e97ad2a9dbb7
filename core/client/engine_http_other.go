//go:build !js

package client

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/natter-chat/natter/core/fileplace"
	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// download fetches the granted file into dir as TFTP downloads are
// stored: into name.part, resumed with a Range request when a .part is
// there, checked against size and SHA-256, and placed without
// overwriting anything.
func (e httpEngine) download(ctx context.Context, _ string, token string, key *[tftp.SealKeySize]byte, dir, name string, size int64, sha string, progress func(int64)) (string, error) {
	if key != nil {
		return "", ErrSealedOverHTTP
	}
	if err := proto.ValidFileName(name); err != nil {
		return "", err
	}
	want, err := fileplace.ParseWant(size, sha)
	if err != nil {
		return "", err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return "", fmt.Errorf("client: opening the download folder: %w", err)
	}
	defer root.Close()
	part := fileplace.PartName(name)
	f, err := root.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("client: opening %s: %w", part, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	h := sha256.New()
	offset, err := fileplace.Resume(f, h, size, 1)
	if err != nil {
		return "", fmt.Errorf("client: resuming %s: %w", part, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.url(token), nil)
	if err != nil {
		return "", err
	}
	if offset > 0 {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(offset, 10)+"-")
		req.Header.Set("If-Range", `"`+sha+`"`)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("client: downloading over HTTP: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusPartialContent && offset > 0:
	case resp.StatusCode == http.StatusOK:
		// The whole file: the hub did not resume.
		if err := fileplace.Restart(f, h); err != nil {
			return "", fmt.Errorf("client: restarting %s: %w", part, err)
		}
		offset = 0
	default:
		return "", httpStatusError(resp)
	}
	body := &countingReader{r: io.LimitReader(resp.Body, size-offset+1), n: offset, progress: progress}
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err != nil {
		return "", fmt.Errorf("client: downloading over HTTP: %w", err)
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	if err := want.Check(offset+n, sum); err != nil {
		f.Close()
		f = nil
		root.Remove(part)
		return "", fmt.Errorf("%w: %w", tftp.ErrChecksum, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("client: syncing %s: %w", part, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return "", fmt.Errorf("client: closing %s: %w", part, err)
	}
	placed, err := fileplace.Place(root, part, fileplace.Choice{Name: name})
	if err != nil {
		return "", fmt.Errorf("client: placing %s: %w", part, err)
	}
	return filepath.Join(dir, placed), nil
}
