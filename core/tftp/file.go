package tftp

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/natter-chat/natter/core/fileplace"
	"github.com/natter-chat/natter/core/proto"
)

// FileDownload is a download a hub granted and the folder it goes to: what
// Fetch needs, in one value.
type FileDownload struct {
	Addr    string         // the hub's UDP address for the transfer, host:port
	Token   string         // the token of the grant, sent as the RRQ's file name
	Name    string         // the file's name; the download is stored under it, or a free variant
	Size    int64          // the file's size in bytes, as granted
	SHA256  string         // the file's SHA-256, 64 lower-case hex digits, as granted
	Dir     string         // the folder the file is placed in
	Options *ClientOptions // may be nil
}

// Fetch downloads d.Name into d.Dir. While it runs the data lives in
// "<name>.part"; an existing .part is resumed with the offset option
// (rounded down to a block, the excess cut off; its kept prefix is hashed
// first). At the end size and SHA-256 are checked and the file is placed
// under d.Name, or "name (1).ext" and so on when the name is taken (also by
// a name equal to it after NFC and case folding): nothing is ever
// overwritten, and nothing outside d.Dir is touched, symlinks included. An
// interrupted download leaves the .part for a later resume; a checksum
// mismatch removes it and is reported as [ErrChecksum]. It returns the
// final path.
func Fetch(ctx context.Context, d FileDownload) (string, error) {
	if err := proto.ValidFileName(d.Name); err != nil {
		return "", err
	}
	want, err := fileplace.ParseWant(d.Size, d.SHA256)
	if err != nil {
		return "", err
	}
	o, err := d.Options.normalized()
	if err != nil {
		return "", err
	}
	root, err := os.OpenRoot(d.Dir)
	if err != nil {
		return "", fmt.Errorf("tftp: opening the download folder: %w", err)
	}
	defer root.Close()
	part := fileplace.PartName(d.Name)
	f, err := root.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("tftp: opening %s: %w", part, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	h := sha256.New()
	offset, err := fileplace.Resume(f, h, d.Size, int64(o.BlockSize))
	if err != nil {
		return "", fmt.Errorf("tftp: resuming %s: %w", part, err)
	}
	o.Offset = offset
	res, err := download(ctx, d.Addr, d.Token, &o, f, h)
	if errors.Is(err, ErrOffsetIgnored) && o.SealKey == nil {
		// The server cannot resume: start over. Not when sealed: the
		// key is the token's, and a second transfer under it would use
		// its counters again.
		if err := fileplace.Restart(f, h); err != nil {
			return "", fmt.Errorf("tftp: restarting %s: %w", part, err)
		}
		o.Offset = 0
		res, err = download(ctx, d.Addr, d.Token, &o, f, h)
	}
	if err != nil {
		return "", err
	}
	if err := want.Check(res.Offset+res.Bytes, res.SHA256); err != nil {
		f.Close()
		f = nil
		root.Remove(part)
		return "", fmt.Errorf("%w: %w", ErrChecksum, err)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("tftp: syncing %s: %w", part, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return "", fmt.Errorf("tftp: closing %s: %w", part, err)
	}
	name, err := fileplace.Place(root, part, fileplace.Choice{Name: d.Name})
	if err != nil {
		return "", fmt.Errorf("tftp: placing %s: %w", part, err)
	}
	return filepath.Join(d.Dir, name), nil
}
