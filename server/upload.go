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

	"github.com/natter-chat/natter/core/fileplace"
	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// uploadTempPrefix starts the name of the file an upload is written to
// until it is complete and checked. The leading dot keeps it out of FILES
// and out of reach of GET.
const uploadTempPrefix = ".natter-upload-"

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

// Commit checks the upload against its PUT and stores it. Data that does
// not match, too much of it included, is refused with an ERROR whose text
// carries the word checksum-mismatch, as natter/1 has it, so that a client
// knows it from other failures (tftp.ErrPeerChecksum) and does not retry.
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
		// Not code 3, disk full: the client would take it for no-space.
		return "", tftp.NewError(tftp.ErrNotDefined, fmt.Sprintf("%s: more data than the %d bytes granted by PUT (received %d); nothing was stored",
			tftp.ChecksumMismatch, g.size, size))
	}
	if got := hex.EncodeToString(sum[:]); size != g.size || got != g.sha256 {
		u.discard()
		u.ts.log.Info("upload does not match its PUT; discarded", "name", g.name, "nick", g.nick,
			"size", size, "sha256", got, "want_size", g.size, "want_sha256", g.sha256)
		u.ts.hub.notify(g.session, proto.AppendErr(nil, proto.ReasonChecksumMismatch, proto.KwPut, g.name))
		return "", tftp.NewError(tftp.ErrNotDefined, fmt.Sprintf("%s: received %d bytes with SHA-256 %s, but PUT declared %d bytes with %s; nothing was stored",
			tftp.ChecksumMismatch, size, got, g.size, g.sha256))
	}
	final, err := u.store()
	if err != nil {
		u.discard()
		u.failed(err)
		return "", err
	}
	u.ts.log.Info("upload stored", "name", final, "nick", g.nick, "size", size)
	u.ts.counters.uploadsDone.Add(1)
	u.ts.counters.uploadedBytes.Add(uint64(size))
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
	// fileplace.Place syncs the folder, so that the new entry lasts too.
	return u.ts.place(u.root, u.temp, u.g.name, u.g.asked)
}

// discard closes and removes the temporary file of an upload that failed.
func (u *upload) discard() {
	u.ts.counters.uploadsFailed.Add(1)
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
func numberedName(name string, n int) string { return fileplace.Numbered(name, n) }

// freeNameLocked returns the first of name, "name (1).ext", … (in NFC)
// whose key (proto.FileNameKey: NFC, case folded) is neither in the folder
// nor held by another upload. ts.mu is held.
func (ts *transferService) freeNameLocked(name string) (string, error) {
	free, err := fileplace.FreeName(ts.root, fileplace.Choice{Name: name, Taken: func(n string) bool { return ts.names[proto.FileNameKey(n)] }})
	return free, nameError(name, err)
}

// nameError turns what fileplace says of name into the error a client
// gets: a bad-name *proto.Error as it is, no free name as bad-name too.
func nameError(name string, err error) error {
	if err == nil || !errors.Is(err, fileplace.ErrNoFreeName) {
		return err
	}
	return proto.NewError(proto.ReasonBadName, "", fmt.Sprintf("%s is taken, and so is every numbered name like it that fits", proto.QuoteInput(name)))
}

// place gives the temporary file temp its reserved name or, should a
// file of that name (or one equal to it after NFC and case folding) have
// appeared since the grant, the next free numbered form of the name asked
// for. Nothing is ever overwritten (see fileplace.Place).
func (ts *transferService) place(root *os.Root, temp, reserved, asked string) (string, error) {
	own := proto.FileNameKey(reserved)
	placed, err := fileplace.Place(root, temp, fileplace.Choice{Name: asked, First: reserved, Taken: func(n string) bool {
		k := proto.FileNameKey(n)
		return k != own && ts.nameHeld(k)
	}})
	return placed, nameError(asked, err)
}

// nameHeld reports whether a grant or running upload holds a name of
// this key.
func (ts *transferService) nameHeld(key string) bool {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.names[key]
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
