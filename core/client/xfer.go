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
	"sync/atomic"
	"time"

	"github.com/natter-chat/natter/core/fileplace"
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

// scheduler keeps the transfers: it queues them, starts them while the
// hub's per-client slots allow, matches grants and results to them and
// retries or fails them. It is part of the state, and like it does no
// I/O: what it decides goes out through its host.
type scheduler struct {
	host xferHost
	// now is the time of the event the state is applying.
	now      time.Time
	max      int    // Config.MaxTransfers
	dir, tmp string // Config.DownloadDir, Config.TempDir

	list      []*xfer
	snap      []Transfer // published copy of list, replaced when dirty
	dirty     bool
	busyUntil time.Time // the hub said busy: ask for no transfer before this
}

// xferHost is what the scheduler needs of the rest of the state.
type xferHost interface {
	do(effect)
	// sendNow sends a GET or PUT, to be matched with its answer.
	sendNow(*request)
	// system logs a System line.
	system(Message)
	// registered reports whether the hub has accepted us on the current
	// connection; closing whether the client is stopping for good.
	registered() bool
	closing() bool
}

func newScheduler(host xferHost, cfg *Config) *scheduler {
	return &scheduler{host: host, max: cfg.MaxTransfers, dir: cfg.DownloadDir, tmp: cfg.TempDir}
}

func (q *scheduler) emit(e Event) { q.host.do(effect{kind: effEvent, ev: e}) }

// deadline is the earliest time after now at which the scheduler has
// something to do (retry, ask again, sample progress), or zero.
func (q *scheduler) deadline(now time.Time) time.Time {
	var d time.Time
	early := func(t time.Time) {
		if !t.IsZero() && (d.IsZero() || t.Before(d)) {
			d = t
		}
	}
	if q.busyUntil.After(now) {
		early(q.busyUntil)
	}
	for _, x := range q.list {
		if x.t.State == TransferQueued && !x.retryAt.IsZero() {
			early(x.retryAt)
		}
		if x.worker != nil {
			early(x.lastSample.Add(progressInterval))
		}
	}
	return d
}

// transfers is the list as published: a copy made again only when a
// transfer changed.
func (q *scheduler) transfers() []Transfer {
	if q.dirty {
		ts := make([]Transfer, len(q.list))
		for i, x := range q.list {
			ts[i] = x.t
		}
		q.snap = ts
		q.dirty = false
	}
	return q.snap
}

// xfer is the scheduler's record of one transfer.
type xfer struct {
	t   Transfer
	src *uploadSource
	dir string // download: the folder it is saved in

	size  int64  // upload: bytes to send, once hashed
	sha   string // upload: SHA-256, once hashed
	spool string // upload from a stream: temporary copy to delete

	requested bool    // GET/PUT sent, grant not yet here
	preparing bool    // download: the folder is being made
	ready     bool    // download: the folder was made for the next GET
	hashing   *worker // upload: hashing under way
	worker    *worker // moving data
	retryAt   time.Time
	busyTries int
	failTries int

	lastSample time.Time
	lastBytes  int64
	lastEvent  time.Time
}

// stopReason says why the scheduler stopped a worker.
type stopReason int32

const (
	stopNone   stopReason = iota
	stopCancel            // Cancel
	stopDrop              // the session to the hub ended; try again after reconnecting
	stopClose             // the client is closing
)

// worker is one goroutine doing a transfer's slow part. The state owns
// why; the loop sets cancel as it starts the worker; the worker stores
// bytes, which the state reads when it samples progress.
type worker struct {
	cancel context.CancelFunc
	bytes  atomic.Int64
	why    stopReason
}

type jobKind int

const (
	jobHash     jobKind = iota // read an upload's source for its size and SHA-256
	jobDownload                // fetch a granted file
	jobUpload                  // send a granted upload
)

// job is the slow part of a transfer, for a worker to do.
type job struct {
	kind        jobKind
	id          TransferID
	w           *worker
	src         *uploadSource // jobHash, jobUpload
	tmpDir      string        // jobHash
	addr, token string        // jobDownload, jobUpload
	dir, name   string        // jobDownload
	size        int64         // jobDownload, jobUpload
	sha         string        // jobDownload
	spool       string        // jobUpload
	session     net.Conn      // jobDownload, jobUpload: the hub session that granted it
}

// run does j and says how it went; progress is told to poke.
func (j *job) run(ctx context.Context, eng engine, poke func()) xferMsg {
	m := xferMsg{id: j.id, w: j.w, kind: xferFinished}
	progress := func(done int64) {
		j.w.bytes.Store(done)
		poke()
	}
	switch j.kind {
	case jobHash:
		m.kind = xferHashed
		m.size, m.sha, m.spool, m.err = hashSource(ctx, j.src, j.tmpDir, &j.w.bytes)
	case jobDownload, jobUpload:
		key, err := transferKey(j.session, j.token)
		switch {
		case err != nil:
			m.err = err
		case j.kind == jobDownload:
			m.path, m.err = eng.download(ctx, j.addr, j.token, key, j.dir, j.name, j.size, j.sha, progress)
		default:
			m.err = uploadFrom(ctx, eng, j.addr, j.token, key, j.src, j.spool, j.size, progress)
		}
	}
	return m
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
	// key, set for a grant of a TLS session, seals the transfer.
	download(ctx context.Context, addr string, token string, key *[tftp.SealKeySize]byte, dir, name string, size int64, sha string, progress func(done int64)) (string, error)
	// upload sends size bytes from r, sealed with key when it is set.
	upload(ctx context.Context, addr string, token string, key *[tftp.SealKeySize]byte, r io.Reader, size int64, progress func(done int64)) error
}

func (q *scheduler) find(id TransferID) *xfer {
	for _, x := range q.list {
		if x.t.ID == id {
			return x
		}
	}
	return nil
}

// active counts transfers that hold one of the hub's per-client slots.
func (q *scheduler) active() int {
	n := 0
	for _, x := range q.list {
		if x.requested || x.preparing || x.worker != nil || x.hashing != nil {
			n++
		}
	}
	return n
}

func (q *scheduler) add(in intent) {
	now := q.now
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
		x.dir = in.dir
		if x.dir == "" {
			x.dir = q.dir
		}
		x.t.Path = filepath.Join(x.dir, in.name)
		for _, o := range q.list {
			if o.t.Direction == Download && o.t.Name == in.name && o.dir == x.dir && !o.t.State.Finished() {
				q.list = append(q.list, x)
				q.finish(x, TransferFailed, XferDuplicate, nil)
				return
			}
		}
	}
	x.t.Reason = XferQueued
	q.list = append(q.list, x)
	q.changed(x, true)
	q.schedule(now)
}

// xferChanged marks the transfer list for publishing and, when event is
// set, tells Events.
func (q *scheduler) changed(x *xfer, event bool) {
	q.dirty = true
	if event {
		t := x.t
		x.lastEvent = q.now
		q.emit(Event{Kind: EventTransfer, Time: x.lastEvent, Text: t.State.String(), Transfer: &t})
	}
}

// schedule starts queued transfers while slots are free.
func (q *scheduler) schedule(now time.Time) {
	busy := now.Before(q.busyUntil)
	for _, x := range q.list {
		if x.t.State != TransferQueued || x.preparing || x.retryAt.After(now) {
			continue
		}
		hashed := x.t.Direction == Download || x.sha != ""
		switch {
		case q.active() >= q.max:
			x.t.Limit = q.max
			q.waiting(x, XferWaitSlots)
			continue
		case !hashed:
			q.startHashing(x)
			continue
		case !q.host.registered():
			q.waiting(x, XferWaitHub)
			continue
		case busy:
			q.waiting(x, XferHubBusy)
			continue
		}
		if x.t.Direction == Download && !x.ready {
			// The folder may not exist yet (a first download), or may
			// have been removed since the last one: made before each GET.
			x.preparing = true
			q.host.do(effect{kind: effPrepare, xfer: x.t.ID, path: x.dir})
			continue
		}
		x.ready = false
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
			q.finish(x, TransferFailed, XferBadRequest, err)
			continue
		}
		q.host.sendNow(&request{keyword: cmd.Keyword, line: line, xfer: x.t.ID})
		q.changed(x, true)
	}
}

// waiting says why a queued transfer has not started.
func (q *scheduler) waiting(x *xfer, reason TransferReason) {
	if x.t.Reason == reason || x.t.Reason == XferWaitReconnect && reason == XferWaitHub {
		return
	}
	x.t.Reason = reason
	q.dirty = true
}

// prepared takes the outcome of making the download folder for x.
func (q *scheduler) prepared(id TransferID, err error) {
	x := q.find(id)
	if x == nil || !x.preparing {
		return
	}
	x.preparing = false
	if err != nil {
		q.finish(x, TransferFailed, XferNoFolder, err)
	} else {
		x.ready = true
	}
	q.schedule(q.now)
}

// startHashing reads an upload's source once to learn its size and
// SHA-256; a stream that cannot seek is copied to a temporary file.
func (q *scheduler) startHashing(x *xfer) {
	w := &worker{}
	x.hashing = w
	x.t.State = TransferRunning
	x.t.Reason = XferHashing
	q.changed(x, true)
	q.host.do(effect{kind: effJob, job: &job{kind: jobHash, id: x.t.ID, w: w, src: x.src, tmpDir: q.tmp}})
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
func (st *state) granted(h hubLine) {
	req := st.answered(h.Keyword)
	if req == nil {
		st.log.Warn("hub granted a transfer nobody asked for", "keyword", h.Keyword, "name", h.Name)
		return
	}
	st.sched.granted(req.xfer, h, st.udpAddr(h.Port))
}

// granted starts the data transfer a GET or PUT grant for id allows, from
// or to the hub's UDP address addr.
func (q *scheduler) granted(id TransferID, h hubLine, addr string) {
	x := q.find(id)
	if x == nil || !x.requested {
		return // cancelled meanwhile: the token simply expires
	}
	x.requested = false
	w := &worker{}
	w.bytes.Store(x.t.Bytes)
	x.worker = w
	x.t.Reason = XferNone
	x.lastSample, x.lastBytes = q.now, x.t.Bytes
	j := &job{id: x.t.ID, w: w, addr: addr, token: h.Token}
	if x.t.Direction == Download {
		x.t.Total, x.t.SHA256 = h.Size, h.SHA256
		j.kind, j.dir, j.name, j.size, j.sha = jobDownload, x.dir, x.t.Name, h.Size, h.SHA256
	} else {
		x.t.Name = h.Name
		x.t.Total, x.t.SHA256 = x.size, x.sha
		j.kind, j.src, j.spool, j.size = jobUpload, x.src, x.spool, x.size
	}
	q.host.do(effect{kind: effJob, job: j})
	q.changed(x, true)
}

func uploadFrom(ctx context.Context, eng engine, addr string, token string, key *[tftp.SealKeySize]byte, src *uploadSource, spool string, size int64, progress func(int64)) error {
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
	return eng.upload(ctx, addr, token, key, io.LimitReader(r, size), size, progress)
}

// udpAddr is the hub's host:port for a transfer on port: the address
// the session is connected to, so a name that resolves to several
// addresses still reaches the same hub.
func (st *state) udpAddr(port int) string {
	host, _, _ := net.SplitHostPort(st.cfg.Addr)
	if s := st.sess; s != nil && s.host != "" {
		host = s.host
	}
	return net.JoinHostPort(host, strconv.Itoa(port))
}

func (q *scheduler) handle(m xferMsg) {
	x := q.find(m.id)
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
				q.host.do(effect{kind: effRemove, path: m.spool})
			}
			q.finish(x, TransferCancelled, XferCancelled, nil)
			break
		}
		if m.err != nil {
			q.finish(x, TransferFailed, XferUnreadable, m.err)
			break
		}
		x.size, x.sha, x.spool = m.size, m.sha, m.spool
		x.t.Total, x.t.SHA256 = m.size, m.sha
		// Back in the queue for the PUT; it usually goes out at once, and
		// then the event says running, not queued again.
		x.t.State = TransferQueued
		x.t.Reason = XferNone
		q.dirty = true
		q.schedule(q.now)
		if x.t.State == TransferQueued {
			q.changed(x, true)
		}
	case xferFinished:
		if x.worker != m.w {
			return
		}
		q.sampleOne(x, q.now, true)
		x.worker = nil
		switch {
		case m.w.why == stopCancel:
			q.removeDownload(x, m.path)
			q.finish(x, TransferCancelled, XferCancelled, nil)
		case m.err == nil:
			if x.t.Direction == Download {
				x.t.Path = m.path
			}
			x.t.Bytes = x.t.Total
			q.finish(x, TransferDone, XferNone, nil)
		default:
			q.failed(x, m.w.why, m.err)
		}
	}
	q.schedule(q.now)
}

// transferFailed queues again, or fails, a transfer whose worker ended
// with err.
func (q *scheduler) failed(x *xfer, why stopReason, err error) {
	reason, detail, retry := transferFailure(err)
	switch {
	case why == stopDrop || (!q.host.registered() && !q.host.closing()):
		x.t.State = TransferQueued
		x.t.Reason = XferWaitReconnect
		x.t.Rate, x.t.ETA = 0, -1
		q.changed(x, true)
	case retry && x.failTries < maxFailRetries:
		// A transfer can fail just before the session shows the hub
		// went away; a download resumes from its .part.
		x.failTries++
		x.t.State = TransferQueued
		x.t.Reason = XferRetrying
		x.t.Rate, x.t.ETA = 0, -1
		x.retryAt = q.now.Add(time.Duration(x.failTries) * time.Second)
		q.changed(x, true)
	default:
		x.t.Detail = detail
		q.finish(x, TransferFailed, reason, err)
	}
}

// transferFailure classifies an error from the transfer engine: the
// reason to report, the hub's own words when it stopped the transfer, and
// whether asking again may help (a timeout, a lost or stopping hub or an
// expired token may; a checksum mismatch, a full disk or a local file
// error will not). It is the one place that knows the engine's errors.
func transferFailure(err error) (reason TransferReason, detail string, retry bool) {
	var pathErr *os.PathError
	words, _ := tftp.PeerMessage(err)
	switch {
	case errors.Is(err, tftp.ErrChecksum):
		return XferChecksum, "", false
	case errors.Is(err, tftp.ErrSealDowngrade):
		// Something between here and the hub strips natter-seal; it will
		// again.
		return XferFailed, "", false
	case errors.As(err, &pathErr):
		return XferFailed, "", false
	case errors.Is(err, tftp.ErrPeerDiskFull):
		return XferNoSpace, words, false
	case errors.Is(err, tftp.ErrPeerChecksum):
		return XferChecksum, words, false
	case errors.Is(err, tftp.ErrPeer):
		return XferPeerStopped, words, true
	}
	return XferFailed, "", true
}

// removeDownload deletes what a cancelled download left behind.
func (q *scheduler) removeDownload(x *xfer, final string) {
	if x.t.Direction != Download {
		return
	}
	q.host.do(effect{kind: effRemove, path: filepath.Join(x.dir, fileplace.PartName(x.t.Name))})
	if final != "" {
		q.host.do(effect{kind: effRemove, path: final})
	}
}

// finishXfer puts x in a final state and frees what it held.
func (q *scheduler) finish(x *xfer, to TransferState, reason TransferReason, err error) {
	x.t.State = to
	x.t.Reason = reason
	x.t.Err = err
	x.t.Finished = q.now
	x.t.Rate, x.t.ETA = 0, -1
	if to == TransferDone {
		x.t.ETA = 0
	}
	x.requested, x.preparing = false, false
	x.retryAt = time.Time{}
	if x.spool != "" {
		q.host.do(effect{kind: effRemove, path: x.spool})
		x.spool = ""
	}
	if x.src != nil {
		if c, ok := x.src.reader.(io.Closer); ok {
			q.host.do(effect{kind: effRelease, closer: c})
		}
	}
	q.changed(x, true)
	if to == TransferFailed {
		t := x.t
		q.host.system(Message{Event: SysError, Note: NoteTransferFailed, Name: t.Name, Err: err, Transfer: &t})
	}
}

// transferRefused handles an ERR answering GET or PUT.
func (q *scheduler) refused(id TransferID, e *HubError) {
	x := q.find(id)
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
		q.busyUntil = q.now.Add(500 * time.Millisecond)
		q.changed(x, true)
		return
	}
	if x.t.Direction == Download && e.Reason != "no-such-file" {
		q.removeDownload(x, "")
	}
	q.finish(x, TransferFailed, XferRefused, e)
}

// transfersInterrupted requeues what the ended session was doing.
func (q *scheduler) interrupted() {
	for _, x := range q.list {
		if x.requested {
			x.requested = false
			x.t.State = TransferQueued
			x.t.Reason = XferWaitReconnect
			q.changed(x, true)
		}
		if x.worker != nil && x.worker.why == stopNone {
			x.worker.why = stopDrop
			q.host.do(effect{kind: effCancel, w: x.worker})
		}
	}
}

func (q *scheduler) cancel(id TransferID) {
	x := q.find(id)
	if x == nil || x.t.State.Finished() {
		return
	}
	switch {
	case x.worker != nil:
		x.worker.why = stopCancel
		q.host.do(effect{kind: effCancel, w: x.worker})
		x.t.Reason = XferCancelling
		q.changed(x, false)
	case x.hashing != nil:
		x.hashing.why = stopCancel
		q.host.do(effect{kind: effCancel, w: x.hashing})
		x.t.Reason = XferCancelling
		q.changed(x, false)
	default:
		// Queued, or asked for and not yet granted: the grant, if it
		// comes, is ignored.
		q.removeDownload(x, "")
		q.finish(x, TransferCancelled, XferCancelled, nil)
		q.schedule(q.now)
	}
}

// stopTransfers stops every worker as the client closes. Downloads keep
// their .part so that a later client can resume them.
func (q *scheduler) stopAll() {
	for _, x := range q.list {
		for _, w := range []*worker{x.worker, x.hashing} {
			if w != nil {
				w.why = stopClose
				q.host.do(effect{kind: effCancel, w: w})
			}
		}
		if !x.t.State.Finished() {
			x.worker, x.hashing = nil, nil
			q.finish(x, TransferCancelled, XferClientClosed, nil)
		}
	}
}

// sampleProgress publishes the progress of running transfers.
func (q *scheduler) sample(now time.Time, force bool) {
	for _, x := range q.list {
		if x.worker != nil || x.hashing != nil {
			q.sampleOne(x, now, force)
		}
	}
}

func (q *scheduler) sampleOne(x *xfer, now time.Time, force bool) {
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
			q.changed(x, false)
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
	q.changed(x, true)
}
