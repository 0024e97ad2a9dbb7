package server

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"strconv"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// udpHandler answers the TFTP requests arriving at the hub's UDP port:
// reads and writes that present a granted token and, in public mode, reads
// that name a shared file.
type udpHandler struct {
	ts *transferService
}

var errUnknownToken = tftp.NewError(tftp.ErrAccessViolation, "unknown or used token; ask the hub with GET or PUT")

// ServeRead serves a download.
func (u *udpHandler) ServeRead(ctx context.Context, req *tftp.Request) (tftp.ReadSource, error) {
	ts := u.ts
	g, err := ts.take(req, false)
	if err != nil {
		return nil, err
	}
	if g == nil {
		if !ts.cfg.Public {
			return nil, errUnknownToken
		}
		return ts.servePublic(req)
	}
	src, err := ts.openGranted(g)
	if err != nil {
		ts.release(g)
		return nil, err
	}
	return src, nil
}

// openGranted opens the file of a GET grant, refusing it if it changed
// since the grant: its size and SHA-256 were promised to the client.
func (ts *transferService) openGranted(g *grant) (tftp.ReadSource, error) {
	f, err := ts.openGrantedFile(g)
	if err != nil {
		return nil, err
	}
	return g.sealSource(ts.readSource(f, g.size, g)), nil
}

// openGrantedFile opens the file of a GET grant, as openGranted does.
func (ts *transferService) openGrantedFile(g *grant) (*os.File, error) {
	f, fi, err := ts.openShared(g.name)
	if err != nil {
		return nil, err
	}
	if fi.Size() != g.size || fi.ModTime().UnixMilli() != g.mtime {
		f.Close()
		return nil, tftp.NewError(tftp.ErrFileNotFound, "the file changed since GET was granted; ask again")
	}
	return f, nil
}

// servePublic serves a read request naming a shared file in public mode.
func (ts *transferService) servePublic(req *tftp.Request) (tftp.ReadSource, error) {
	if err := proto.ValidFileName(req.Filename); err != nil {
		return nil, tftp.NewError(tftp.ErrFileNotFound, "not a shared file name")
	}
	g, err := ts.takePublic(peerIP(req.Peer))
	if err != nil {
		return nil, err
	}
	f, fi, err := ts.openShared(req.Filename)
	if err != nil {
		ts.release(g)
		return nil, err
	}
	return ts.readSource(f, fi.Size(), g), nil
}

// openShared opens a regular file of the shared folder for reading.
// Symlinks are followed only within the folder.
func (ts *transferService) openShared(name string) (*os.File, fs.FileInfo, error) {
	ts.mu.Lock()
	root := ts.root
	ts.mu.Unlock()
	if root == nil {
		return nil, nil, tftp.NewError(tftp.ErrNotDefined, "the hub is stopping")
	}
	f, fi, err := openSharedFile(root, name)
	if err != nil {
		// Missing, unreadable, not a regular file, or a symlink the
		// naming rules refuse: to the client it is all the same.
		return nil, nil, tftp.NewError(tftp.ErrFileNotFound, "no such shared file")
	}
	return f, fi, nil
}

// readSource serves size bytes of f; the end of the transfer closes f and
// gives back the slot g holds.
func (ts *transferService) readSource(f *os.File, size int64, g *grant) tftp.ReadSource {
	return tftp.NewReadSource(f, size, func(err error) {
		f.Close()
		ts.release(g)
		ts.counters.noteDownload(size, err)
	})
}

// ServeWrite accepts an upload granted by PUT.
func (u *udpHandler) ServeWrite(ctx context.Context, req *tftp.Request) (tftp.WriteSink, error) {
	ts := u.ts
	g, err := ts.take(req, true)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, tftp.NewError(tftp.ErrAccessViolation, "an upload needs a token granted by PUT")
	}
	if v, ok := req.Options.Get(tftp.OptTransferSz); ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n != g.size {
			ts.release(g)
			return nil, tftp.NewError(tftp.ErrIllegalOp, fmt.Sprintf("tsize %d differs from the %d bytes granted by PUT", n, g.size))
		}
	}
	sink, err := ts.startUpload(g)
	if err != nil {
		ts.release(g)
		return nil, err
	}
	return g.sealSink(sink), nil
}
