package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// progressInterval is how often a running transfer's progress is
// published: often enough for a smooth bar, rarely enough to stay cheap.
const progressInterval = 100 * time.Millisecond

// maxBusyRetries bounds how often a transfer is asked again after the hub
// answered busy; maxFailRetries how often an interrupted transfer is
// tried again before it fails.
const (
	maxBusyRetries = 60
	maxFailRetries = 4
)

// xfer is the loop's record of one transfer.
type xfer struct {
	t   Transfer
	src *uploadSource

	size  int64  // upload: bytes to send, once hashed
	sha   string // upload: SHA-256, once hashed
	spool string // upload from a stream: temporary copy to delete

	requested bool    // GET/PUT sent, grant not yet here
	hashing   *worker // upload: hashing under way
	worker    *worker // moving data
	retryAt   time.Time
	busyTries int
	failTries int

	lastSample time.Time
	lastBytes  int64
	lastEvent  time.Time
}

// stopReason says why the loop stopped a worker.
type stopReason int32

const (
	stopNone   stopReason = iota
	stopCancel            // Cancel
	stopDrop              // the session to the hub ended; try again after reconnecting
	stopClose             // the client is closing
)

// worker is one goroutine doing a transfer's slow part.
type worker struct {
	cancel context.CancelFunc
	bytes  atomic.Int64
	why    stopReason
}

type xferMsgKind int

const (
	xferHashed xferMsgKind = iota
	xferFinished
)

// xferMsg is a worker's result.
type xferMsg struct {
	id    TransferID
	w     *worker
	kind  xferMsgKind
	err   error
	size  int64
	sha   string
	spool string
	path  string
}

// engine moves file data over UDP.
type engine interface {
	// download fetches the granted file into dir as name, resuming from
	// name.part, and returns the final path once size and SHA-256 match.
	download(ctx context.Context, addr string, token, dir, name string, size int64, sha string, progress func(done int64)) (string, error)
	// upload sends size bytes from r.
	upload(ctx context.Context, addr string, token string, r io.Reader, size int64, progress func(done int64)) error
}

func (l *loop) find(id TransferID) *xfer {
	for _, x := range l.xfers {
		if x.t.ID == id {
			return x
		}
	}
	return nil
}

// active counts transfers that hold one of the hub's per-client slots.
func (l *loop) active() int {
	n := 0
	for _, x := range l.xfers {
		if x.requested || x.worker != nil || x.hashing != nil {
			n++
		}
	}
	return n
}

func (l *loop) addTransfer(in intent) {
	now := l.now
	x := &xfer{src: in.upload}
	x.t = Transfer{ID: in.xfer, Name: in.name, Total: -1, ETA: -1, State: TransferQueued, Started: now}
	if in.kind == intentUpload {
		x.t.Direction = Upload
		if in.upload.path != "" {
			x.t.Path = in.upload.path
			x.t.Name = filepath.Base(in.upload.path)
		} else {
			x.t.Total = in.upload.size
		}
	} else {
		x.t.Path = filepath.Join(l.cfg.DownloadDir, in.name)
		for _, o := range l.xfers {
			if o.t.Direction == Download && o.t.Name == in.name && !o.t.State.Finished() {
				l.xfers = append(l.xfers, x)
				l.finishXfer(x, TransferFailed, XferDuplicate, nil)
				return
			}
		}
	}
	x.t.Reason = XferQueued
	l.xfers = append(l.xfers, x)
	l.xferChanged(x, true)
	l.schedule(now)
}

// xferChanged marks the transfer list for publishing and, when event is
// set, tells Events.
func (l *loop) xferChanged(x *xfer, event bool) {
	l.xferDirty = true
	if event {
		t := x.t
		x.lastEvent = l.now
		l.emit(Event{Kind: EventTransfer, Time: x.lastEvent, Text: t.State.String(), Transfer: &t})
	}
}

// schedule starts queued transfers while slots are free.
func (l *loop) schedule(now time.Time) {
	busy := now.Before(l.busyUntil)
	for _, x := range l.xfers {
		if x.t.State != TransferQueued || x.retryAt.After(now) {
			continue
		}
		hashed := x.t.Direction == Download || x.sha != ""
		switch {
		case l.active() >= l.cfg.MaxTransfers:
			x.t.Limit = l.cfg.MaxTransfers
			l.waiting(x, XferWaitSlots)
			continue
		case !hashed:
			l.startHashing(x)
			continue
		case !l.registered():
			l.waiting(x, XferWaitHub)
			continue
		case busy:
			l.waiting(x, XferHubBusy)
			continue
		}
		if x.t.Direction == Download {
			// The folder may not exist yet (a first download), or may
			// have been removed since the last one.
			if err := os.MkdirAll(l.cfg.DownloadDir, 0o755); err != nil {
				l.finishXfer(x, TransferFailed, XferNoFolder, err)
				continue
			}
		}
		x.retryAt = time.Time{}
		x.requested = true
		x.t.State = TransferRunning
		x.t.Reason = XferAsking
		cmd := proto.Command{Keyword: proto.KwGet, Name: x.t.Name}
		if x.t.Direction == Upload {
			cmd = proto.Command{Keyword: proto.KwPut, Name: x.t.Name, Size: x.size, SHA256: x.sha}
		}
		line, err := commandLine(cmd)
		if err != nil {
			l.finishXfer(x, TransferFailed, XferBadRequest, err)
			continue
		}
		l.sendNow(&request{keyword: cmd.Keyword, line: line, xfer: x.t.ID})
		l.xferChanged(x, true)
	}
}

// waiting says why a queued transfer has not started.
func (l *loop) waiting(x *xfer, reason TransferReason) {
	if x.t.Reason == reason || x.t.Reason == XferWaitReconnect && reason == XferWaitHub {
		return
	}
	x.t.Reason = reason
	l.xferDirty = true
}

// startHashing reads an upload's source once to learn its size and
// SHA-256; a stream that cannot seek is copied to a temporary file.
func (l *loop) startHashing(x *xfer) {
	ctx, cancel := context.WithCancel(l.ctx)
	w := &worker{cancel: cancel}
	x.hashing = w
	x.t.State = TransferRunning
	x.t.Reason = XferHashing
	l.xferChanged(x, true)
	src, id, tmp := x.src, x.t.ID, l.cfg.TempDir
	l.c.wg.Add(1)
	go func() {
		defer l.c.wg.Done()
		defer cancel()
		m := xferMsg{id: id, w: w, kind: xferHashed}
		m.size, m.sha, m.spool, m.err = hashSource(ctx, src, tmp, &w.bytes)
		l.report(m)
	}()
}

// report hands a worker's result to the loop, or, when the loop has
// ended, cleans up what the result held. The channel is unbuffered so that
// a result is never left in it unseen.
func (l *loop) report(m xferMsg) {
	select {
	case l.xferCh <- m:
	case <-l.ctx.Done():
		if m.spool != "" {
			os.Remove(m.spool)
		}
	}
}

// ctxReader stops a copy when ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func hashSource(ctx context.Context, src *uploadSource, tmpDir string, done *atomic.Int64) (size int64, sum, spool string, err error) {
	h := sha256.New()
	count := func(n int64) { done.Store(n) }
	switch {
	case src.path != "":
		f, err := os.Open(src.path)
		if err != nil {
			return 0, "", "", err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return 0, "", "", err
		}
		if !fi.Mode().IsRegular() {
			return 0, "", "", &os.PathError{Op: "read", Path: src.path, Err: ErrNotRegular}
		}
		n, err := copyCounting(h, ctxReader{ctx, f}, count)
		if err != nil {
			return 0, "", "", err
		}
		return n, hex.EncodeToString(h.Sum(nil)), "", nil
	default:
		if rs, ok := src.reader.(io.ReadSeeker); ok {
			if _, err := rs.Seek(0, io.SeekStart); err != nil {
				return 0, "", "", err
			}
			n, err := copyCounting(h, ctxReader{ctx, io.LimitReader(rs, src.size+1)}, count)
			if err != nil {
				return 0, "", "", err
			}
			if n != src.size {
				return 0, "", "", &SizeMismatchError{Have: n, Announced: src.size}
			}
			return n, hex.EncodeToString(h.Sum(nil)), "", nil
		}
		// TempDir is DownloadDir unless set, and may not exist yet.
		if err := os.MkdirAll(tmpDir, 0o755); err != nil {
			return 0, "", "", err
		}
		f, err := os.CreateTemp(tmpDir, ".natter-upload-*")
		if err != nil {
			return 0, "", "", err
		}
		n, err := copyCounting(io.MultiWriter(h, f), ctxReader{ctx, io.LimitReader(src.reader, src.size+1)}, count)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err == nil && n != src.size {
			err = &SizeMismatchError{Have: n, Announced: src.size}
		}
		if err != nil {
			os.Remove(f.Name())
			return 0, "", "", err
		}
		return n, hex.EncodeToString(h.Sum(nil)), f.Name(), nil
	}
}

func copyCounting(dst io.Writer, src io.Reader, count func(int64)) (int64, error) {
	buf := make([]byte, 64<<10)
	var n int64
	for {
		k, err := src.Read(buf)
		if k > 0 {
			if _, werr := dst.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
			count(n)
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// granted starts the data transfer a GET or PUT grant allows.
func (l *loop) granted(h hubLine) {
	req := l.answered(h.kw)
	if req == nil {
		l.log.Warn("hub granted a transfer nobody asked for", "keyword", h.kw, "name", h.name)
		return
	}
	x := l.find(req.xfer)
	if x == nil || !x.requested {
		return // cancelled meanwhile: the token simply expires
	}
	x.requested = false
	addr := l.udpAddr(h.port)
	ctx, cancel := context.WithCancel(l.ctx)
	w := &worker{cancel: cancel}
	x.worker = w
	x.t.Reason = XferNone
	x.lastSample, x.lastBytes = l.now, x.t.Bytes
	id := x.t.ID
	eng := l.c.engine
	progress := func(done int64) {
		w.bytes.Store(done)
		select {
		case l.xferPoke <- struct{}{}:
		default:
		}
	}
	w.bytes.Store(x.t.Bytes)
	if x.t.Direction == Download {
		x.t.Total, x.t.SHA256 = h.size, h.sha
		dir, name, size, sha := l.cfg.DownloadDir, x.t.Name, h.size, h.sha
		l.c.wg.Add(1)
		go func() {
			defer l.c.wg.Done()
			defer cancel()
			path, err := eng.download(ctx, addr, h.token, dir, name, size, sha, progress)
			l.report(xferMsg{id: id, w: w, kind: xferFinished, err: err, path: path})
		}()
	} else {
		x.t.Name = h.name
		x.t.Total, x.t.SHA256 = x.size, x.sha
		src, spool, size := x.src, x.spool, x.size
		l.c.wg.Add(1)
		go func() {
			defer l.c.wg.Done()
			defer cancel()
			err := uploadFrom(ctx, eng, addr, h.token, src, spool, size, progress)
			l.report(xferMsg{id: id, w: w, kind: xferFinished, err: err})
		}()
	}
	l.xferChanged(x, true)
}

func uploadFrom(ctx context.Context, eng engine, addr string, token string, src *uploadSource, spool string, size int64, progress func(int64)) error {
	var r io.Reader
	switch {
	case spool != "" || src.path != "":
		p := spool
		if p == "" {
			p = src.path
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	default:
		rs := src.reader.(io.ReadSeeker) // not spooled: hashSource checked
		if _, err := rs.Seek(0, io.SeekStart); err != nil {
			return err
		}
		r = rs
	}
	return eng.upload(ctx, addr, token, io.LimitReader(r, size), size, progress)
}

// udpAddr is the hub's host:port for a transfer on port: the address
// the session is connected to, so a name that resolves to several
// addresses still reaches the same hub.
func (l *loop) udpAddr(port int) string {
	host, _, _ := net.SplitHostPort(l.cfg.Addr)
	if s := l.sess; s != nil {
		if h, ok := s.conn.remoteHost(); ok {
			host = h
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func (l *loop) handleXfer(m xferMsg) {
	x := l.find(m.id)
	if x == nil {
		return
	}
	switch m.kind {
	case xferHashed:
		if x.hashing != m.w {
			return
		}
		x.hashing = nil
		if m.w.why == stopCancel {
			if m.spool != "" {
				os.Remove(m.spool)
			}
			l.finishXfer(x, TransferCancelled, XferCancelled, nil)
			break
		}
		if m.err != nil {
			l.finishXfer(x, TransferFailed, XferUnreadable, m.err)
			break
		}
		x.size, x.sha, x.spool = m.size, m.sha, m.spool
		x.t.Total, x.t.SHA256 = m.size, m.sha
		// Back in the queue for the PUT; it usually goes out at once, and
		// then the event says running, not queued again.
		x.t.State = TransferQueued
		x.t.Reason = XferNone
		l.xferDirty = true
		l.schedule(l.now)
		if x.t.State == TransferQueued {
			l.xferChanged(x, true)
		}
	case xferFinished:
		if x.worker != m.w {
			return
		}
		l.sampleOne(x, l.now, true)
		x.worker = nil
		switch {
		case m.w.why == stopCancel:
			l.removeDownload(x, m.path)
			l.finishXfer(x, TransferCancelled, XferCancelled, nil)
		case m.err == nil:
			if x.t.Direction == Download {
				x.t.Path = m.path
			}
			x.t.Bytes = x.t.Total
			l.finishXfer(x, TransferDone, XferNone, nil)
		default:
			l.transferFailed(x, m.w.why, m.err)
		}
	}
	l.schedule(l.now)
}

// transferFailed queues again, or fails, a transfer whose worker ended
// with err.
func (l *loop) transferFailed(x *xfer, why stopReason, err error) {
	reason, detail, retry := transferFailure(err)
	switch {
	case why == stopDrop || (!l.registered() && !l.stopping):
		x.t.State = TransferQueued
		x.t.Reason = XferWaitReconnect
		x.t.Rate, x.t.ETA = 0, -1
		l.xferChanged(x, true)
	case retry && x.failTries < maxFailRetries:
		// A transfer can fail just before the session shows the hub
		// went away; a download resumes from its .part.
		x.failTries++
		x.t.State = TransferQueued
		x.t.Reason = XferRetrying
		x.t.Rate, x.t.ETA = 0, -1
		x.retryAt = l.now.Add(time.Duration(x.failTries) * time.Second)
		l.xferChanged(x, true)
	default:
		x.t.Detail = detail
		l.finishXfer(x, TransferFailed, reason, err)
	}
}

// transferFailure classifies an error from the transfer engine: the
// reason to report, the hub's own words when it stopped the transfer, and
// whether asking again may help (a timeout, a lost or stopping hub or an
// expired token may; a checksum mismatch, a full disk or a local file
// error will not). It is the one place that knows the engine's errors.
func transferFailure(err error) (reason TransferReason, detail string, retry bool) {
	var pathErr *os.PathError
	var peerErr *tftp.PeerError
	switch {
	case errors.Is(err, tftp.ErrChecksum):
		return XferChecksum, "", false
	case errors.As(err, &pathErr):
		return XferFailed, "", false
	case errors.As(err, &peerErr) && peerErr.Packet.Code == tftp.ErrDiskFull:
		return XferNoSpace, "", false
	case errors.As(err, &peerErr) && peerSaysChecksum(peerErr):
		return XferChecksum, "", false
	case errors.As(err, &peerErr):
		return XferPeerStopped, peerErr.Packet.Message, true
	}
	return XferFailed, "", true
}

// peerSaysChecksum reports whether the hub refused an upload's data for not
// matching the size and SHA-256 its PUT declared. TFTP has no code for
// that; the hub says so in words.
func peerSaysChecksum(e *tftp.PeerError) bool {
	m := e.Packet.Message
	return strings.Contains(m, proto.ReasonChecksumMismatch) || strings.Contains(m, "SHA-256")
}

// removeDownload deletes what a cancelled download left behind.
func (l *loop) removeDownload(x *xfer, final string) {
	if x.t.Direction != Download {
		return
	}
	os.Remove(filepath.Join(l.cfg.DownloadDir, x.t.Name+".part"))
	if final != "" {
		os.Remove(final)
	}
}

// finishXfer puts x in a final state and frees what it held.
func (l *loop) finishXfer(x *xfer, st TransferState, reason TransferReason, err error) {
	x.t.State = st
	x.t.Reason = reason
	x.t.Err = err
	x.t.Finished = l.now
	x.t.Rate, x.t.ETA = 0, -1
	if st == TransferDone {
		x.t.ETA = 0
	}
	x.requested = false
	x.retryAt = time.Time{}
	if x.spool != "" {
		os.Remove(x.spool)
		x.spool = ""
	}
	if x.src != nil {
		if c, ok := x.src.reader.(io.Closer); ok {
			c.Close()
		}
	}
	l.xferChanged(x, true)
	if st == TransferFailed {
		t := x.t
		l.system(Message{Event: SysError, Note: NoteTransferFailed, Name: t.Name, Err: err, Transfer: &t})
	}
}

// transferRefused handles an ERR answering GET or PUT.
func (l *loop) transferRefused(id TransferID, e *HubError) {
	x := l.find(id)
	if x == nil || !x.requested {
		return
	}
	x.requested = false
	if (e.Reason == proto.ReasonBusy || e.Reason == proto.ReasonSlowDown) && x.busyTries < maxBusyRetries {
		// The hub still counts a transfer that just ended: ask again soon.
		x.busyTries++
		x.t.State = TransferQueued
		x.t.Reason = XferHubBusy
		// Hold back every transfer, not just this one, so they keep their order.
		l.busyUntil = l.now.Add(500 * time.Millisecond)
		l.xferChanged(x, true)
		return
	}
	if x.t.Direction == Download && e.Reason != "no-such-file" {
		l.removeDownload(x, "")
	}
	l.finishXfer(x, TransferFailed, XferRefused, e)
}

// transfersInterrupted requeues what the ended session was doing.
func (l *loop) transfersInterrupted() {
	for _, x := range l.xfers {
		if x.requested {
			x.requested = false
			x.t.State = TransferQueued
			x.t.Reason = XferWaitReconnect
			l.xferChanged(x, true)
		}
		if x.worker != nil && x.worker.why == stopNone {
			x.worker.why = stopDrop
			x.worker.cancel()
		}
	}
}

func (l *loop) cancelTransfer(id TransferID) {
	x := l.find(id)
	if x == nil || x.t.State.Finished() {
		return
	}
	switch {
	case x.worker != nil:
		x.worker.why = stopCancel
		x.worker.cancel()
		x.t.Reason = XferCancelling
		l.xferChanged(x, false)
	case x.hashing != nil:
		x.hashing.why = stopCancel
		x.hashing.cancel()
		x.t.Reason = XferCancelling
		l.xferChanged(x, false)
	default:
		// Queued, or asked for and not yet granted: the grant, if it
		// comes, is ignored.
		l.removeDownload(x, "")
		l.finishXfer(x, TransferCancelled, XferCancelled, nil)
		l.schedule(l.now)
	}
}

// stopTransfers stops every worker as the client closes. Downloads keep
// their .part so that a later client can resume them.
func (l *loop) stopTransfers() {
	for _, x := range l.xfers {
		for _, w := range []*worker{x.worker, x.hashing} {
			if w != nil {
				w.why = stopClose
				w.cancel()
			}
		}
		if !x.t.State.Finished() {
			x.worker, x.hashing = nil, nil
			l.finishXfer(x, TransferCancelled, XferClientClosed, nil)
		}
	}
}

// sampleProgress publishes the progress of running transfers.
func (l *loop) sampleProgress(now time.Time, force bool) {
	for _, x := range l.xfers {
		if x.worker != nil || x.hashing != nil {
			l.sampleOne(x, now, force)
		}
	}
}

func (l *loop) sampleOne(x *xfer, now time.Time, force bool) {
	w := x.worker
	if w == nil {
		w = x.hashing
	}
	if w == nil {
		return
	}
	dt := now.Sub(x.lastSample)
	if !force && dt < progressInterval {
		return
	}
	b := w.bytes.Load()
	if x.hashing != nil {
		// Hashing is not transfer progress; show it only as a reason.
		if x.t.Total > 0 {
			x.t.Hashed = b
			l.xferChanged(x, false)
		}
		x.lastSample = now
		return
	}
	if b == x.t.Bytes && !force {
		x.lastSample = now
		return
	}
	if dt > 0 && b >= x.lastBytes {
		inst := float64(b-x.lastBytes) / dt.Seconds()
		if x.t.Rate == 0 {
			x.t.Rate = inst
		} else {
			x.t.Rate = 0.7*x.t.Rate + 0.3*inst
		}
	}
	x.t.Bytes = b
	x.lastSample, x.lastBytes = now, b
	x.t.ETA = -1
	if x.t.Total >= 0 && x.t.Rate > 0 {
		x.t.ETA = time.Duration(float64(x.t.Total-b) / x.t.Rate * float64(time.Second))
	}
	l.xferChanged(x, true)
}
