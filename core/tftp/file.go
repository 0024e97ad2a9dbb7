package tftp

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// ValidateName checks that name is one path element as the protocol
// defines file names: 1-255 bytes of UTF-8, no '/', '\', NUL or control
// characters, not "." or "..", not starting with '.'.
func ValidateName(name string) error {
	switch {
	case name == "":
		return errors.New("tftp: empty file name")
	case len(name) > 255:
		return fmt.Errorf("tftp: file name of %d bytes is longer than 255", len(name))
	case !utf8.ValidString(name):
		return fmt.Errorf("tftp: file name %q is not valid UTF-8", name)
	case name[0] == '.':
		return fmt.Errorf("tftp: file name %q starts with a dot", name)
	}
	for _, r := range name {
		switch {
		case r == '/' || r == '\\':
			return fmt.Errorf("tftp: file name %q contains a path separator", name)
		case r < 0x20 || r == 0x7f:
			return fmt.Errorf("tftp: file name %q contains a control character", name)
		}
	}
	return nil
}

// FileDownload is a download a hub granted and the folder it goes to: what
// DownloadFile needs, in one value.
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
// first). At the end size and SHA-256 are checked and the file is renamed
// to d.Name, or to "name (1).ext" and so on when the name is taken: nothing
// is ever overwritten. An interrupted download leaves the .part for a later
// resume; a checksum mismatch removes it and is reported as [ErrChecksum].
// It returns the final path.
func Fetch(ctx context.Context, d FileDownload) (string, error) {
	if err := ValidateName(d.Name); err != nil {
		return "", err
	}
	want, err := hex.DecodeString(d.SHA256)
	if err != nil || len(want) != sha256.Size || strings.ToLower(d.SHA256) != d.SHA256 {
		return "", fmt.Errorf("tftp: %q is not a SHA-256 in lower-case hex", d.SHA256)
	}
	if d.Size < 0 {
		return "", fmt.Errorf("tftp: negative file size %d", d.Size)
	}
	o, err := d.Options.normalized()
	if err != nil {
		return "", err
	}
	dir, name, size, sha256hex := d.Dir, d.Name, d.Size, d.SHA256
	part := filepath.Join(dir, name+".part")
	f, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return "", fmt.Errorf("tftp: opening %s: %w", part, err)
	}
	defer func() {
		if f != nil {
			f.Close()
		}
	}()
	h := sha256.New()
	offset, err := resumePoint(f, h, size, int64(o.BlockSize))
	if err != nil {
		return "", fmt.Errorf("tftp: resuming %s: %w", part, err)
	}
	o.Offset = offset
	res, err := download(ctx, d.Addr, d.Token, &o, f, h)
	if errors.Is(err, ErrOffsetIgnored) {
		// The server cannot resume: start over.
		if err := restart(f, h); err != nil {
			return "", fmt.Errorf("tftp: restarting %s: %w", part, err)
		}
		o.Offset = 0
		res, err = download(ctx, d.Addr, d.Token, &o, f, h)
	}
	if err != nil {
		return "", err
	}
	if got := res.Offset + res.Bytes; got != size || !bytesEqual(res.SHA256[:], want) {
		f.Close()
		f = nil
		os.Remove(part)
		return "", fmt.Errorf("%w: got %d bytes with SHA-256 %x, want %d bytes with %s", ErrChecksum, got, res.SHA256, size, sha256hex)
	}
	if err := f.Sync(); err != nil {
		return "", fmt.Errorf("tftp: syncing %s: %w", part, err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return "", fmt.Errorf("tftp: closing %s: %w", part, err)
	}
	f = nil
	return placeFile(part, dir, name)
}

// DownloadFile is [Fetch] with the download's parts as parameters.
//
// Deprecated: use Fetch with a FileDownload.
func DownloadFile(ctx context.Context, addr, token, dir, name string, size int64, sha256hex string, opts *ClientOptions) (string, error) {
	return Fetch(ctx, FileDownload{Addr: addr, Token: token, Name: name, Size: size, SHA256: sha256hex, Dir: dir, Options: opts})
}

func bytesEqual(a, b []byte) bool { return string(a) == string(b) }

// resumePoint hashes the whole blocks already in f (at most size bytes),
// cuts off the rest and leaves f positioned after them.
func resumePoint(f *os.File, h io.Writer, size, blksize int64) (int64, error) {
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	have := st.Size()
	if have > size {
		have = 0 // not a prefix of this file
	}
	offset := have - have%blksize
	if offset > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, offset)); err != nil {
			return 0, err
		}
	}
	if err := f.Truncate(offset); err != nil {
		return 0, err
	}
	_, err = f.Seek(offset, io.SeekStart)
	return offset, err
}

func restart(f *os.File, h interface{ Reset() }) error {
	h.Reset()
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// placeFile moves part to dir/name, or to the first free "name (n).ext".
// A hard link claims the final name atomically and fails when it exists,
// so a file that appeared meanwhile is never overwritten.
func placeFile(part, dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 0; i < 10000; i++ {
		cand := name
		if i > 0 {
			cand = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		final := filepath.Join(dir, cand)
		err := os.Link(part, final)
		if err == nil {
			if err := os.Remove(part); err != nil {
				return final, fmt.Errorf("tftp: removing %s: %w", part, err)
			}
			return final, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		// No hard links here: check, then rename.
		if _, serr := os.Lstat(final); serr == nil {
			continue
		} else if !errors.Is(serr, fs.ErrNotExist) {
			return "", fmt.Errorf("tftp: checking %s: %w", final, serr)
		}
		if err := os.Rename(part, final); err != nil {
			return "", fmt.Errorf("tftp: renaming %s: %w", part, err)
		}
		return final, nil
	}
	return "", fmt.Errorf("tftp: no free name for %q in %s", name, dir)
}
