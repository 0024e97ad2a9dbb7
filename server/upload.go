package server

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"syscall"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// uploadTempPrefix starts the name of the file an upload is written to
// until it is complete and checked. The leading dot keeps it out of FILES
// and out of reach of GET.
const uploadTempPrefix = ".natter-upload-"

// maxNameTries bounds the search for a free "name (n).ext".
const maxNameTries = 1000

// upload is the WriteSink of one granted upload. The data goes to a
// temporary file in the shared folder; only when its size and SHA-256
// match the PUT is it synced and moved to its stored name. Whatever else
// happens, the temporary file is removed.
type upload struct {
	ts      *transferService
	root    *os.Root
	g       *grant
	f       *os.File
	w       io.Writer
	temp    string
	written int64
	// overflow is set once the client sent more than the grant: the rest
	// is not written, and Commit refuses the upload saying why.
	overflow bool
}

// startUpload creates the temporary file of a granted upload.
func (ts *transferService) startUpload(g *grant) (*upload, error) {
	ts.mu.Lock()
	root := ts.root
	ts.mu.Unlock()
	if root == nil {
		return nil, tftp.NewError(tftp.ErrNotDefined, "the hub is stopping")
	}
	temp := uploadTempPrefix + g.token
	f, err := root.OpenFile(temp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		ts.log.Warn("cannot create upload file", "name", temp, "err", err)
		if isNoSpace(err) {
			ts.hub.notify(g.session, proto.AppendErr(nil, proto.ReasonNoSpace, proto.KwPut, g.name))
		}
		return nil, err
	}
	u := &upload{ts: ts, root: root, g: g, f: f, w: f, temp: temp}
	if ts.cfg.wrapUpload != nil {
		u.w = ts.cfg.wrapUpload(f)
	}
	return u, nil
}

// Write writes to the temporary file. Data beyond the size granted by PUT
// is not written but taken and dropped: the transfer goes on to its end,
// where Commit refuses it with an ERROR that says so. (An error from Write
// would reach the client only as a generic write failure.)
func (u *upload) Write(p []byte) (int, error) {
	if u.overflow {
		return len(p), nil
	}
	if room := u.g.size - u.written; int64(len(p)) > room {
		u.overflow = true
		n, err := u.w.Write(p[:room])
		u.written += int64(n)
		if err != nil {
			return n, err
		}
		return len(p), nil
	}
	n, err := u.w.Write(p)
	u.written += int64(n)
	return n, err
}

// Commit checks the upload against its PUT and stores it.
func (u *upload) Commit(size int64, sum [sha256.Size]byte) error {
	_, err := u.commit(size, sum)
	return err
}

// commit is Commit, returning the name the upload was stored under.
func (u *upload) commit(size int64, sum [sha256.Size]byte) (string, error) {
	defer u.ts.release(u.g)
	g := u.g
	if u.overflow || size > g.size {
		u.discard()
		u.ts.log.Info("upload has more data than its PUT; discarded", "name", g.name, "nick", g.nick, "size", size, "want_size", g.size)
		u.ts.hub.notify(g.session, proto.AppendErr(nil, proto.ReasonChecksumMismatch, proto.KwPut, g.name))
		return "", tftp.NewError(tftp.ErrDiskFull, fmt.Sprintf("more data than the %d bytes granted by PUT (received %d); nothing was stored", g.size, size))
	}
	if got := hex.EncodeToString(sum[:]); size != g.size || got != g.sha256 {
		u.discard()
		u.ts.log.Info("upload does not match its PUT; discarded", "name", g.name, "nick", g.nick,
			"size", size, "sha256", got, "want_size", g.size, "want_sha256", g.sha256)
		u.ts.hub.notify(g.session, proto.AppendErr(nil, proto.ReasonChecksumMismatch, proto.KwPut, g.name))
		return "", tftp.NewError(tftp.ErrNotDefined, fmt.Sprintf("received %d bytes with SHA-256 %s, but PUT declared %d bytes with %s; nothing was stored",
			size, got, g.size, g.sha256))
	}
	final, err := u.store()
	if err != nil {
		u.discard()
		u.failed(err)
		return "", err
	}
	u.ts.log.Info("upload stored", "name", final, "nick", g.nick, "size", size)
	if err := u.ts.hub.announce(g.nick, final, g.sha256); err != nil {
		u.ts.log.Warn("cannot announce upload", "name", final, "err", err)
	}
	return final, nil
}

// Abort discards an upload that failed.
func (u *upload) Abort(err error) {
	defer u.ts.release(u.g)
	u.discard()
	u.failed(err)
}

// failed logs why an upload failed and tells the uploader about a full disk.
func (u *upload) failed(err error) {
	u.ts.log.Info("upload failed; nothing stored", "name", u.g.name, "nick", u.g.nick, "err", err)
	if isNoSpace(err) {
		u.ts.hub.notify(u.g.session, proto.AppendErr(nil, proto.ReasonNoSpace, proto.KwPut, u.g.name))
	}
}

// store syncs the temporary file and moves it into place.
func (u *upload) store() (string, error) {
	if err := u.f.Sync(); err != nil {
		return "", fmt.Errorf("syncing %s: %w", u.temp, err)
	}
	err := u.f.Close()
	u.f = nil
	if err != nil {
		return "", fmt.Errorf("closing %s: %w", u.temp, err)
	}
	final, err := u.ts.place(u.root, u.temp, u.g.name, u.g.asked)
	if err != nil {
		return "", err
	}
	// Make the new directory entry durable too.
	if d, err := u.root.Open("."); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return final, nil
}

// discard closes and removes the temporary file.
func (u *upload) discard() {
	if u.f != nil {
		u.f.Close()
		u.f = nil
	}
	if err := u.root.Remove(u.temp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.ts.log.Warn("cannot remove upload file", "name", u.temp, "err", err)
	}
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// numberedName returns name for n = 0, else name with " (n)" before its
// extension: "a.txt", "a (1).txt", "a (2).txt".
func numberedName(name string, n int) string {
	if n == 0 {
		return name
	}
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		stem, ext = name[:i], name[i:]
	}
	return fmt.Sprintf("%s (%d)%s", stem, n, ext)
}

// freeNameLocked returns the first of name, "name (1).ext", … that is
// neither in the folder nor held by another upload. ts.mu is held.
func (ts *transferService) freeNameLocked(name string) (string, error) {
	for n := range maxNameTries {
		cand := numberedName(name, n)
		if err := proto.ValidFileName(cand); err != nil {
			if n == 0 {
				return "", err
			}
			return "", proto.NewError(proto.ReasonBadName, "", fmt.Sprintf("%s is taken and too long to number", proto.QuoteInput(name)))
		}
		if ts.names[cand] {
			continue
		}
		if _, err := ts.root.Lstat(cand); errors.Is(err, fs.ErrNotExist) {
			return cand, nil
		}
	}
	return "", proto.NewError(proto.ReasonBadName, "", fmt.Sprintf("no free name like %s in the shared folder", proto.QuoteInput(name)))
}

// place gives the temporary file temp its reserved name or, should a
// file of that name have appeared since the grant, the next free numbered
// form of the name asked for. A hard link claims a name atomically and
// fails when it exists, so nothing is ever overwritten.
func (ts *transferService) place(root *os.Root, temp, reserved, asked string) (string, error) {
	for n := -1; n < maxNameTries; n++ {
		cand := reserved
		if n >= 0 {
			cand = numberedName(asked, n)
			if cand == reserved || ts.nameHeld(cand) {
				continue
			}
			if proto.ValidFileName(cand) != nil {
				break
			}
		}
		err := root.Link(temp, cand)
		if err == nil {
			if err := root.Remove(temp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return cand, fmt.Errorf("removing %s after storing %q: %w", temp, cand, err)
			}
			return cand, nil
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if isNoSpace(err) {
			return "", err
		}
		// No hard links on this file system: check, then rename.
		if _, serr := root.Lstat(cand); serr == nil {
			continue
		} else if !errors.Is(serr, fs.ErrNotExist) {
			return "", fmt.Errorf("checking %q: %w", cand, serr)
		}
		if err := root.Rename(temp, cand); err != nil {
			return "", fmt.Errorf("storing %q: %w", cand, err)
		}
		return cand, nil
	}
	return "", fmt.Errorf("no free name like %q in the shared folder", asked)
}

func (ts *transferService) nameHeld(name string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.names[name]
}

// removeLeftoverUploads removes the temporary files of uploads that were
// running when the hub last stopped abruptly.
func removeLeftoverUploads(root *os.Root, log *slog.Logger) {
	d, err := root.Open(".")
	if err != nil {
		return
	}
	names, err := d.Readdirnames(-1)
	d.Close()
	if err != nil {
		return
	}
	for _, name := range names {
		if strings.HasPrefix(name, uploadTempPrefix) {
			if err := root.Remove(name); err != nil {
				log.Warn("cannot remove an unfinished upload", "name", name, "err", err)
			} else {
				log.Info("removed an unfinished upload", "name", name)
			}
		}
	}
}
