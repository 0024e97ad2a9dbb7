package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// Defaults of TransferConfig.
const (
	DefaultMaxUpload = 4 << 30
	DefaultTokenTTL  = 60 * time.Second
)

// TransferConfig configures a hub's file transfers (Config.Transfers). The
// UDP address and the limits on concurrent transfers come from the hub's
// Config (UDPAddr, MaxTransfers, MaxTransfersPerClient); a zero field here
// takes its default.
type TransferConfig struct {
	// Public serves a read request that names a shared file directly (not
	// a token) to any address, so that stock TFTP clients can fetch files.
	// Writes always need a token.
	Public bool
	// PortMin and PortMax, when both set, are the inclusive range of UDP
	// ports transfers run from; otherwise each gets an ephemeral port.
	PortMin, PortMax int
	// MaxUpload is the largest upload accepted, in bytes (default 4 GiB).
	MaxUpload int64
	// TokenTTL is how long a granted token may be used (default 60 s).
	TokenTTL time.Duration
	// MaxWindow is the largest TFTP windowsize granted (default 64).
	MaxWindow int
	// OtherPacket, when set, receives every datagram at the UDP port that
	// is neither TFTP nor a discovery probe the hub answers. A non-nil
	// result is sent back to from. pkt is only valid during the call, which
	// runs on the UDP read loop and should return quickly.
	OtherPacket func(pkt []byte, from net.Addr) []byte
	// Engine tunes the timers of every transfer.
	Engine tftp.Config

	// freeSpace, when set, replaces the file system query for the bytes
	// available in the shared folder (tests).
	freeSpace func() (int64, error)
	// wrapUpload, when set, wraps the file each upload is written to (tests
	// use it to make the disk fill up).
	wrapUpload func(io.Writer) io.Writer
}

// transferHooks are what the transfer service needs of its hub, given at
// construction.
type transferHooks struct {
	// sharedFile returns the info of a shared file with its SHA-256 (see
	// Hub.sharedFile).
	sharedFile func(ctx context.Context, name string) (FileInfo, error)
	// announce tells everyone that from stored a file (see
	// Hub.announceShared).
	announce func(from, name, sha256 string) error
	// notify sends line to the session with this ID, if it is still
	// connected: a transfer tells its client what went wrong beyond the
	// TFTP ERROR.
	notify func(sessionID uint64, line []byte)
}

// transferService runs a hub's file transfers: it grants GET and PUT with
// single-use tokens, and it answers the TFTP requests that present them on
// the hub's UDP port. A grant holds one of the hub's transfer slots (and one
// of its client's) from the moment it is granted until its transfer ends,
// or until the token expires unused.
type transferService struct {
	cfg          TransferConfig
	dir          string // the shared folder
	log          *slog.Logger
	hub          transferHooks
	maxAll       int
	maxPerClient int

	mu           sync.Mutex
	root         *os.Root          // the shared folder; set while serving
	addr         net.Addr          // the UDP listening address; set while serving
	port         int               // its port
	grants       map[string]*grant // granted tokens not used yet
	slots        int               // unused grants and running transfers, hub-wide
	perClient    map[uint64]int    // unused grants and running transfers by session
	names        map[string]bool   // keys (proto.FileNameKey) of stored names held by PUT grants and running uploads
	pendingBytes int64             // free space reserved by granted and running uploads (reserveFor)
	hosts        hostTransfers     // per host: transfers, upload quotas, public reads (hostgrants.go)

	counters transferCounters
}

// grant is what a token stands for.
type grant struct {
	token   string
	put     bool // an upload (WRQ); otherwise a download (RRQ)
	session uint64
	nick    string
	addr    netip.Addr
	expires time.Time
	name    string // GET: the shared file; PUT: the stored name reserved
	asked   string // PUT: the name asked for
	size    int64
	sha256  string
	mtime   int64                   // GET: the file's modification time in ms when granted
	sealKey *[tftp.SealKeySize]byte // the natter-seal key, for a grant to a TLS session
}

// newTransferService returns the transfer service of a hub configured by
// hubCfg (defaults filled in); it does nothing until serve.
func newTransferService(cfg TransferConfig, hubCfg *Config, log *slog.Logger, hub transferHooks) *transferService {
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = DefaultMaxUpload
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.MaxWindow <= 0 {
		cfg.MaxWindow = tftp.DefaultMaxWindow
	}
	return &transferService{
		cfg:          cfg,
		dir:          hubCfg.Dir,
		log:          log,
		hub:          hub,
		maxAll:       hubCfg.MaxTransfers,
		maxPerClient: hubCfg.MaxTransfersPerClient,
		grants:       make(map[string]*grant),
		perClient:    make(map[uint64]int),
		names:        make(map[string]bool),
		hosts:        newHostTransfers(hubCfg.Hosts),
	}
}

// Addr returns the UDP address transfer requests are served on, or nil
// when the service is not serving.
func (ts *transferService) Addr() net.Addr {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.addr
}

// open readies the service to serve on conn, a UDP socket: it opens the
// shared folder and removes what unfinished uploads left there. From then
// on grants are given, until serve returns; the hub opens its transfers
// before it accepts a session, so that no GET or PUT finds them not yet
// running.
func (ts *transferService) open(conn net.PacketConn) error {
	ua, ok := conn.LocalAddr().(*net.UDPAddr)
	if !ok {
		return fmt.Errorf("natter transfers: %v is not a UDP address", conn.LocalAddr())
	}
	root, err := os.OpenRoot(ts.dir)
	if err != nil {
		return fmt.Errorf("natter transfers: shared folder: %w", err)
	}
	removeLeftoverUploads(root, ts.log)
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.root, ts.addr, ts.port = root, conn.LocalAddr(), ua.Port
	return nil
}

// serve answers transfer requests on conn, which open readied, until ctx
// is done or conn fails, and returns once every transfer has ended: nil
// after ctx is done, otherwise what failed. Datagrams that are not TFTP go
// to other (which may be nil); a non-nil result is sent back. serve leaves
// conn open.
func (ts *transferService) serve(ctx context.Context, conn net.PacketConn, other func(pkt []byte, from net.Addr) []byte) error {
	defer ts.close()
	ts.log.Info("transfers listening", "udp", conn.LocalAddr().String(), "public", ts.cfg.Public)
	return ts.tftpServer(conn, other).Serve(ctx, conn)
}

// close undoes open: grants are refused again, and unused ones forgotten.
func (ts *transferService) close() {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if ts.root != nil {
		ts.root.Close()
	}
	ts.root, ts.addr, ts.port = nil, nil, 0
	clear(ts.grants)
}

// tftpServer returns the TFTP server answering on conn.
func (ts *transferService) tftpServer(conn net.PacketConn, other func(pkt []byte, from net.Addr) []byte) *tftp.Server {
	srv := &tftp.Server{
		Handler: &udpHandler{ts: ts},
		// The service keeps its own count, which includes unused grants;
		// the engine's limit only bounds refusals in progress on top.
		MaxTransfers: 2 * ts.maxAll,
		PortMin:      ts.cfg.PortMin,
		PortMax:      ts.cfg.PortMax,
		MaxWindow:    ts.cfg.MaxWindow,
		Config:       ts.engineConfig(),
		SealDropped:  ts.noteSealDrop,
		Logf: func(format string, args ...any) {
			ts.log.Debug(fmt.Sprintf(format, args...))
		},
	}
	if other != nil {
		srv.OtherPacket = func(pkt []byte, from net.Addr) {
			if reply := other(pkt, from); reply != nil {
				_, _ = conn.WriteTo(reply, from)
			}
		}
	}
	return srv
}

// errNotRunning refuses grants while the service is not serving.
var errNotRunning = proto.NewError(proto.ReasonBusy, "", "file transfers are not running")

// running returns the UDP port, and whether the service serves.
func (ts *transferService) running() (port int, ok bool) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.port, ts.root != nil
}

// GrantGet grants a download of a shared file, hashing the file first if
// its SHA-256 is not known yet.
func (ts *transferService) GrantGet(ctx context.Context, req getRequest) (getGrant, error) {
	port, ok := ts.running()
	if !ok {
		return getGrant{}, errNotRunning
	}
	info := req.File
	if info.SHA256 == "" {
		var err error
		if info, err = ts.hub.sharedFile(ctx, req.File.Name); err != nil {
			if errors.Is(err, ErrNoSuchFile) {
				return getGrant{}, proto.NewError(proto.ReasonNoSuchFile, "", fmt.Sprintf("no shared file %s", proto.QuoteInput(req.File.Name)))
			}
			return getGrant{}, err
		}
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if err := ts.reserveLocked(req.requester); err != nil {
		return getGrant{}, err
	}
	g := ts.addGrantLocked(req.requester, &grant{name: info.Name, size: info.Size, sha256: info.SHA256, mtime: info.ModTime})
	if err := ts.sealLocked(req.requester, g); err != nil {
		return getGrant{}, err
	}
	ts.counters.getsGranted.Add(1)
	return getGrant{Token: g.token, Port: port, Size: info.Size, SHA256: info.SHA256, Name: info.Name}, nil
}

// GrantPut grants an upload: it checks the size against the limit and the
// free space, and reserves the name it will be stored under (the asked
// name, or "name (1).ext" and so on when that is taken).
func (ts *transferService) GrantPut(ctx context.Context, req putRequest) (putGrant, error) {
	port, ok := ts.running()
	if !ok {
		return putGrant{}, errNotRunning
	}
	if req.Size > ts.cfg.MaxUpload {
		return putGrant{}, proto.NewError(proto.ReasonTooLarge, "",
			fmt.Sprintf("an upload may have at most %d bytes, %s has %d", ts.cfg.MaxUpload, proto.QuoteInput(req.Name), req.Size))
	}
	free, err := ts.freeSpace()
	if err != nil {
		ts.log.Warn("cannot tell the free space of the shared folder", "dir", ts.dir, "err", err)
		free = -1
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.sweepLocked(time.Now())
	if free >= 0 && req.Size > free-ts.pendingBytes {
		return putGrant{}, proto.NewError(proto.ReasonNoSpace, "",
			fmt.Sprintf("the hub has room for %d more bytes, %s has %d", max(free-ts.pendingBytes, 0), proto.QuoteInput(req.Name), req.Size))
	}
	if ts.root == nil {
		return putGrant{}, errNotRunning
	}
	stored, err := ts.freeNameLocked(req.Name)
	if err != nil {
		return putGrant{}, err
	}
	if err := ts.hosts.upload(req.Addr, req.Size, time.Now()); err != nil {
		return putGrant{}, err
	}
	if err := ts.reserveLocked(req.requester); err != nil {
		return putGrant{}, err
	}
	g := ts.addGrantLocked(req.requester, &grant{put: true, name: stored, asked: req.Name, size: req.Size, sha256: req.SHA256})
	ts.names[proto.FileNameKey(stored)] = true
	ts.pendingBytes += reserveFor(req.Size)
	if err := ts.sealLocked(req.requester, g); err != nil {
		return putGrant{}, err
	}
	ts.counters.putsGranted.Add(1)
	return putGrant{Token: g.token, Port: port, StoredName: stored}, nil
}

func (ts *transferService) freeSpace() (int64, error) {
	if ts.cfg.freeSpace != nil {
		return ts.cfg.freeSpace()
	}
	return freeSpace(ts.dir)
}

// reserveLocked takes a transfer slot for r, or says why there is none.
// Expired grants give theirs back first. ts.mu is held.
func (ts *transferService) reserveLocked(r requester) error {
	ts.sweepLocked(time.Now())
	if ts.perClient[r.SessionID] >= ts.maxPerClient {
		return proto.NewError(proto.ReasonBusy, "",
			fmt.Sprintf("a client may have %d transfers at once, granted ones included; try again when one has ended", ts.maxPerClient))
	}
	if ts.slots >= ts.maxAll {
		return proto.NewError(proto.ReasonBusy, "",
			fmt.Sprintf("the hub runs its maximum of %d transfers, granted ones included; try again later", ts.maxAll))
	}
	if err := ts.hosts.take(r.Addr, time.Now()); err != nil {
		return err
	}
	ts.slots++
	ts.perClient[r.SessionID]++
	return nil
}

// addGrantLocked completes g for r with a fresh token and records it.
// ts.mu is held.
func (ts *transferService) addGrantLocked(r requester, g *grant) *grant {
	var b [16]byte
	rand.Read(b[:]) // never fails
	g.token = hex.EncodeToString(b[:])
	g.session, g.nick, g.addr = r.SessionID, r.Nick, r.Addr
	g.expires = time.Now().Add(ts.cfg.TokenTTL)
	ts.grants[g.token] = g
	return g
}

// sweepLocked forgets grants whose tokens expired unused. ts.mu is held.
func (ts *transferService) sweepLocked(now time.Time) {
	for tok, g := range ts.grants {
		if now.After(g.expires) {
			delete(ts.grants, tok)
			ts.releaseLocked(g)
		}
	}
}

// release gives back what g holds: its transfer slots and, for an upload,
// its stored name and declared size.
func (ts *transferService) release(g *grant) {
	ts.mu.Lock()
	ts.releaseLocked(g)
	ts.mu.Unlock()
}

func (ts *transferService) releaseLocked(g *grant) {
	ts.slots--
	ts.hosts.give(g.addr)
	if n := ts.perClient[g.session] - 1; n > 0 {
		ts.perClient[g.session] = n
	} else {
		delete(ts.perClient, g.session)
	}
	if g.put {
		delete(ts.names, proto.FileNameKey(g.name))
		ts.pendingBytes -= reserveFor(g.size)
	}
}

// Why a token may not be used by a request; a refused token stays valid
// for the address and kind of request it was granted to.
var (
	errTokenExpired     = errors.New("token expired; ask the hub again")
	errTokenOtherAddr   = errors.New("token was granted to another address")
	errTokenForUpload   = errors.New("token was granted for an upload")
	errTokenForDownload = errors.New("token was granted for a download")
)

// take redeems the token a request names. It returns nil and no error
// when the name is not a granted token, and a *tftp.Error when the token
// may not be used by this request; a refused token stays valid for the
// address and kind of request it was granted to.
func (ts *transferService) take(req *tftp.Request, put bool) (*grant, error) {
	g, err := ts.redeem(req.Filename, peerIP(req.Peer), put)
	switch err {
	case nil:
		return g, nil
	case errTokenForUpload:
		return nil, tftp.NewError(tftp.ErrAccessViolation, "token was granted for an upload (WRQ)")
	case errTokenForDownload:
		return nil, tftp.NewError(tftp.ErrAccessViolation, "token was granted for a download (RRQ)")
	}
	return nil, tftp.NewError(tftp.ErrAccessViolation, err.Error())
}

// redeem takes the grant of token for a request from peer, a download or
// (put) an upload: nil and no error when token is not granted, one of the
// errToken errors when it may not be used so.
func (ts *transferService) redeem(token string, peer netip.Addr, put bool) (*grant, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	g, ok := ts.grants[token]
	if !ok {
		return nil, nil
	}
	switch {
	case time.Now().After(g.expires):
		delete(ts.grants, g.token)
		ts.releaseLocked(g)
		return nil, errTokenExpired
	case peer != g.addr:
		return nil, errTokenOtherAddr
	case g.put && !put:
		return nil, errTokenForUpload
	case !g.put && put:
		return nil, errTokenForDownload
	}
	delete(ts.grants, g.token)
	return g, nil
}

// takePublic takes a hub-wide transfer slot for a public read by peer,
// within the per-host limits.
func (ts *transferService) takePublic(peer netip.Addr) (*grant, error) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	now := time.Now()
	ts.sweepLocked(now)
	if ts.slots >= ts.maxAll {
		return nil, tftp.NewError(tftp.ErrNotDefined, "hub busy, try again later")
	}
	if err := ts.hosts.publicRead(peer, now); err != nil {
		return nil, err
	}
	if err := ts.hosts.take(peer, now); err != nil {
		return nil, tftp.NewError(tftp.ErrNotDefined, "this host has its maximum of transfers; try again later")
	}
	ts.slots++
	// Session IDs start at 1, so session 0 stands for public reads, which
	// count against the hub-wide limit only.
	ts.perClient[0]++
	return &grant{addr: peer}, nil
}

func peerIP(a net.Addr) netip.Addr {
	if ua, ok := a.(*net.UDPAddr); ok {
		return ua.AddrPort().Addr().Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
