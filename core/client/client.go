package client

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Client owns one session with a hub. All session state lives in one
// event-loop goroutine; the methods only post intents to it, and readers
// see the state through immutable snapshots.
type Client struct {
	cfg Config
	log *slog.Logger

	snap    atomic.Pointer[Snapshot]
	changed chan struct{}
	events  chan Event

	mu       sync.Mutex
	intents  []intent
	closing  bool // no more intents: Quit or Close was called, or the loop ended
	wake     chan struct{}
	nextXfer atomic.Uint64

	started atomic.Bool
	done    chan struct{}
	wg      sync.WaitGroup
	result  error // set before done is closed

	// engine moves file data: natter/1's TFTP profile (tests put in their
	// own); nil would make every transfer fail with ErrNoTransfers.
	engine engine
	// clock is the loop's time (tests put in their own).
	clock clock
}

type intentKind int

const (
	intentSend intentKind = iota
	intentUsers
	intentFiles
	intentMoreFiles
	intentNick
	intentDownload
	intentUpload
	intentCancel
	intentQuit
	intentOlder   // LoadOlder
	intentSearch  // Search: text holds the words
	intentClaim   // Claim
	intentUnclaim // Unclaim
)

// intent is one request from a method call to the event loop.
type intent struct {
	kind   intentKind
	line   string // intentSend: the MSG or PRIV line
	to     string // intentSend: recipient, empty for everyone
	text   string // intentSend: body; intentNick: nick; intentQuit: reason
	xfer   TransferID
	name   string // transfer file name
	dir    string // intentDownload: folder to save into; empty: DownloadDir
	upload *uploadSource
}

// uploadSource is where an upload's bytes come from.
type uploadSource struct {
	path   string    // a file on disk, or
	reader io.Reader // a stream of size bytes
	size   int64
}

func newClient(cfg Config) (*Client, error) {
	addr, err := hubAddr(cfg.Addr)
	if err != nil {
		return nil, err
	}
	cfg.Addr = addr
	if cfg.TLSAddr != "" {
		if cfg.TLSAddr, err = hubAddr(cfg.TLSAddr); err != nil {
			return nil, err
		}
	}
	if err := checkNick(cfg.Nick); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	c := &Client{
		cfg:     cfg,
		log:     cfg.Logger,
		changed: make(chan struct{}, 1),
		events:  make(chan Event, cfg.EventBuffer),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		engine:  tftpEngine{},
		clock:   wallClock{},
	}
	if cfg.WebBase != "" {
		c.engine = newHTTPEngine(cfg.WebBase)
	}
	c.snap.Store(&Snapshot{Nick: cfg.Nick, Addr: cfg.Addr, Conn: Connection{State: Connecting}})
	return c, nil
}

// hubAddr checks addr and adds the default port when it has none.
func hubAddr(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("client: Config.Addr is empty")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		// No port: "hub.local", "192.168.1.20", "::1" or "[::1]".
		h := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
		if strings.ContainsAny(h, "[]/ ") {
			return "", fmt.Errorf("client: hub address %q is not host or host:port", addr)
		}
		return net.JoinHostPort(h, DefaultPort), nil
	}
	if host == "" {
		return "", fmt.Errorf("client: hub address %q has no host", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("client: hub address %q has a bad port", addr)
	}
	return addr, nil
}

func (cfg *Config) setDefaults() {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.DownloadDir == "" {
		cfg.DownloadDir = "."
	}
	if cfg.TempDir == "" {
		cfg.TempDir = cfg.DownloadDir
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DialTimeout, 5*time.Second)
	if cfg.Dial == nil {
		cfg.Dial = tcpDial(cfg.DialTimeout)
	}
	if cfg.trusting() && !cfg.Plaintext {
		cfg.hubDialer = newHubDialer(cfg, cfg.Dial)
		cfg.Dial = cfg.hubDialer.dial
	}
	def(&cfg.ReconnectMin, 200*time.Millisecond)
	def(&cfg.ReconnectMax, 3*time.Second)
	if cfg.ReconnectMax < cfg.ReconnectMin {
		cfg.ReconnectMax = cfg.ReconnectMin
	}
	def(&cfg.PingIdle, 30*time.Second)
	def(&cfg.PingTimeout, 20*time.Second)
	def(&cfg.WriteTimeout, 10*time.Second)
	def(&cfg.HelloTimeout, 5*time.Second)
	if cfg.SendRate <= 0 {
		cfg.SendRate = 18
	}
	if cfg.SendBurst <= 0 {
		cfg.SendBurst = 40
	}
	if cfg.MaxTransfers <= 0 {
		cfg.MaxTransfers = 4
	}
	if cfg.EventBuffer <= 0 {
		cfg.EventBuffer = 256
	}
	if cfg.MaxMessages <= 0 {
		cfg.MaxMessages = 50000
	}
}

// post hands an intent to the loop without blocking.
func (c *Client) post(in intent) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return ErrClosed
	}
	c.intents = append(c.intents, in)
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

func (c *Client) wait() error {
	if !c.started.Load() {
		return ErrNotStarted
	}
	<-c.done
	return c.result
}

func (c *Client) sendText(to, text string) error {
	line, err := messageLine(to, text)
	if err != nil {
		return err
	}
	return c.post(intent{kind: intentSend, to: to, text: text, line: line})
}

func (c *Client) setNick(nick string) error {
	if err := checkNick(nick); err != nil {
		return err
	}
	return c.post(intent{kind: intentNick, text: nick})
}

func (c *Client) download(name, dir string) (TransferID, error) {
	if err := c.canTransfer(name); err != nil {
		return 0, err
	}
	id := TransferID(c.nextXfer.Add(1))
	return id, c.post(intent{kind: intentDownload, xfer: id, name: name, dir: dir})
}

func (c *Client) uploadPath(path string) (TransferID, error) {
	if err := c.canTransfer(filepath.Base(path)); err != nil {
		return 0, err
	}
	id := TransferID(c.nextXfer.Add(1))
	return id, c.post(intent{kind: intentUpload, xfer: id, upload: &uploadSource{path: path}})
}

func (c *Client) uploadReader(name string, r io.Reader, size int64) (TransferID, error) {
	if err := c.canTransfer(name); err != nil {
		return 0, err
	}
	if r == nil || size < 0 {
		return 0, fmt.Errorf("client: upload of %q needs a reader and a size >= 0", name)
	}
	id := TransferID(c.nextXfer.Add(1))
	return id, c.post(intent{kind: intentUpload, xfer: id, name: name, upload: &uploadSource{reader: r, size: size}})
}

// canTransfer checks what every transfer needs before it is queued.
func (c *Client) canTransfer(name string) error {
	if c.engine == nil {
		return ErrNoTransfers
	}
	return checkName(name)
}

func (c *Client) cancel(id TransferID) error {
	if id == 0 || uint64(id) > c.nextXfer.Load() {
		return ErrNoSuchTransfer
	}
	return c.post(intent{kind: intentCancel, xfer: id})
}

func (c *Client) quit(reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return
	}
	c.closing = true
	c.intents = append(c.intents, intent{kind: intentQuit, text: reason})
	select {
	case c.wake <- struct{}{}:
	default:
	}
}
