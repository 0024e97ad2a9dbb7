// Package server implements the Natter hub: it accepts natter/1 sessions over
// TCP, relays messages between them and lists the shared folder.
//
// Beside its sessions a hub has parts, each configured by a field of
// [Config], built by [New] and run by [Hub.Serve] with the hub: file
// transfers over UDP ([Config.Transfers]), LAN discovery
// ([Config.Discovery]) and the web app ([Config.Web]). A part gets from the hub the few functions it needs
// when it is built, and the listener it serves on from [Listeners]; it
// never holds the hub. A hub with every part is built and run so:
//
//	cfg := server.DefaultConfig()
//	cfg.Transfers = &server.TransferConfig{}
//	cfg.Discovery = &server.DiscoveryConfig{}
//	h, err := server.New(cfg)
//	...
//	err = h.ListenAndServe(ctx)
package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// Defaults for the fields of Config.
const (
	DefaultAddr                  = ":50000"
	DefaultUDPAddr               = ":50000"
	DefaultDir                   = "./shared"
	DefaultName                  = "Natter hub"
	DefaultHistory               = 100
	DefaultMaxClients            = 10000
	DefaultMaxLineRate           = 20
	DefaultLineBurst             = 50
	DefaultFloodLimit            = 50
	DefaultFloodWindow           = 10 * time.Second
	DefaultOutQueueBytes         = 8 << 20
	DefaultRegisterTimeout       = 30 * time.Second
	DefaultMaxNickTries          = 10
	DefaultIdleTimeout           = 60 * time.Second
	DefaultPingTimeout           = 30 * time.Second
	DefaultFlushTimeout          = time.Second
	DefaultMaxTransfers          = 64
	DefaultMaxTransfersPerClient = 4
	DefaultReadBufferSize        = 1024
	DefaultMemoryTrimDelay       = 200 * time.Millisecond
	DefaultWatchInterval         = 2 * time.Second
	DefaultHistoryKeep           = 1000000
	DefaultHistoryDays           = 365
	DefaultKeptMessages          = 1000
	DefaultKeptBytes             = 1 << 20
	DefaultKeptDays              = 30
)

// MaxNameLen is the longest hub name (Config.Name) in bytes, so that the
// HELLO line stays well within a hub line.
const MaxNameLen = 128

// NoHistory as Config.History keeps no public messages for replay.
const NoHistory = -1

// NoLineLimit as Config.MaxLineRate lifts the limit on the lines a client
// may send: nobody gets ERR 429 or is dropped for flooding. It is for load
// tests and closed rooms; the default protects a hub from a client that
// floods it. Any rate of at least NoLineLimit, +Inf included, means the same.
const NoLineLimit = math.MaxFloat64

// NoMemoryTrim as Config.MemoryTrimDelay never returns memory to the
// operating system explicitly.
const NoMemoryTrim = -1

// Config configures a Hub. A zero field takes its default (the Default
// constants); DefaultConfig returns them all filled in.
type Config struct {
	Addr    string // TCP address for sessions (Listen, ListenAndServe); NoAddr for none
	UDPAddr string // UDP address for file transfers and discovery probes (Listen, ListenAndServe)
	Dir     string // the shared folder; must exist
	Name    string // hub name sent in HELLO: text of at most MaxNameLen bytes
	// DataDir is the hub's own folder, made if missing: its database
	// (package store: the public history, kept across restarts and
	// searchable) and its TLS key. "" keeps the history in memory only
	// (History messages) and leaves TLS without a kept key.
	DataDir string

	History    int // public messages replayed on registration; NoHistory for none
	MaxClients int // sessions at once, registered or not

	MaxLineRate float64 // lines per second per client; NoLineLimit for no limit
	LineBurst   int     // lines a client may send at once above the rate
	// A client that has FloodLimit lines refused for the rate within
	// FloodWindow is dropped with LEAVE … flood.
	FloodLimit  int
	FloodWindow time.Duration

	OutQueueBytes int // bytes queued for one client before it is dropped as too-slow
	// MaxQueuedBytes bounds the bytes queued for all clients together;
	// near it, the clients holding the most are dropped as too-slow. Both
	// bounds count what a line costs in memory: its bytes and its entry in
	// each queue that holds it.
	MaxQueuedBytes int
	// ReadBufferSize is the least size of the read buffers lent to clients
	// while their input is handled (at least two of the longest lines);
	// a client waiting for input holds none.
	ReadBufferSize int

	RegisterTimeout time.Duration // time to register before BYE registration-timeout
	MaxNickTries    int           // refused nicks before BYE registration-timeout
	IdleTimeout     time.Duration // silence from a client before the hub sends PING
	PingTimeout     time.Duration // further silence before the client is dropped (timeout)
	FlushTimeout    time.Duration // time a closing session gets to take its last lines

	// MemoryTrimDelay is the quiet time after a burst of joins and leaves
	// (or of a backlog being written) after which the hub collects garbage
	// and returns free memory to the operating system: a burst leaves the
	// heap several times larger than idle clients need, and the runtime
	// would otherwise keep it. NoMemoryTrim turns this off.
	MemoryTrimDelay time.Duration

	// WatchInterval is how often the hub looks for files that came into
	// the shared folder or left it by other means than an upload, to
	// announce them with SHARED and UNSHARED (DefaultWatchInterval suits a
	// folder people copy files into). Unlike the other fields, zero means
	// off: the folder is then listed only when asked, as before.
	WatchInterval time.Duration

	MaxTransfers          int // transfers at once, hub-wide, granted ones included
	MaxTransfersPerClient int // transfers at once per client, granted ones included

	// Hosts bounds what one host may do (HostLimits).
	Hosts HostLimits

	// MaxSharedFiles is the most files FILES lists from the shared folder;
	// a client pages through them proto.MaxFilesPage at a time.
	MaxSharedFiles int

	// presencePause is the least time presence lines wait to be written
	// (see Hub.writePresence); tests lengthen it.
	presencePause time.Duration

	// The parts of the hub beside its sessions. Each is off while its
	// field is nil; when set, New builds it and Serve runs it with the hub
	// on the listener it needs (see Listeners).

	// Transfers serves file transfers, granted by GET and PUT, over UDP
	// (TFTP). When nil, a valid request is answered with ERR 409 <keyword>
	// busy, saying transfers are disabled.
	Transfers *TransferConfig
	// Discovery makes the hub findable on the local network. It answers
	// probes on the UDP port (UDPAddr), beside the transfers if any.
	Discovery *DiscoveryConfig
	// Web serves the app for the browser, sessions over WebSocket and
	// transfers over HTTP, on a TCP port of its own (WebConfig.Addr).
	Web *WebConfig
	// TLS serves the sessions over TLS 1.3 too, on a port of its own,
	// under the hub's key (kept in DataDir unless TLSConfig names one).
	TLS *TLSConfig

	// HistoryKeep and HistoryDays bound the stored history: the newest
	// HistoryKeep messages, none older than HistoryDays days.
	HistoryKeep int
	HistoryDays int
	// KeptMessages and KeptBytes bound the private messages kept for the
	// owner of a nick while offline (natter/1 section 9), per recipient;
	// each is kept KeptDays days.
	KeptMessages int
	KeptBytes    int64
	KeptDays     int
	// openStore, when set, opens the store in place of package store
	// (tests).
	openStore func(dir string) (historyStore, error)

	// grants, when set, grants GET and PUT in place of the transfer
	// service, which is then not built (tests).
	grants granter

	Logger *slog.Logger // nil: slog.Default()
}

// DefaultConfig returns a Config with every field at its default.
func DefaultConfig() Config {
	var c Config
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	setStr, setInt, setDur := setDefault[string], setDefault[int], setDefault[time.Duration]
	setStr(&c.Addr, DefaultAddr)
	setStr(&c.UDPAddr, DefaultUDPAddr)
	setStr(&c.Dir, DefaultDir)
	setStr(&c.Name, DefaultName)
	setInt(&c.History, DefaultHistory)
	setInt(&c.MaxClients, DefaultMaxClients)
	switch {
	case c.MaxLineRate == 0:
		c.MaxLineRate = DefaultMaxLineRate
	case c.MaxLineRate >= NoLineLimit:
		// The rate limiter treats exactly this value as "no limit"; with
		// +Inf it would still count tokens.
		c.MaxLineRate = NoLineLimit
	}
	setInt(&c.LineBurst, DefaultLineBurst)
	setInt(&c.FloodLimit, DefaultFloodLimit)
	setDur(&c.FloodWindow, DefaultFloodWindow)
	setInt(&c.OutQueueBytes, DefaultOutQueueBytes)
	setInt(&c.MaxQueuedBytes, DefaultMaxQueuedBytes)
	setInt(&c.ReadBufferSize, DefaultReadBufferSize)
	setDur(&c.RegisterTimeout, DefaultRegisterTimeout)
	setInt(&c.MaxNickTries, DefaultMaxNickTries)
	setDur(&c.IdleTimeout, DefaultIdleTimeout)
	setDur(&c.PingTimeout, DefaultPingTimeout)
	setDur(&c.FlushTimeout, DefaultFlushTimeout)
	setDur(&c.MemoryTrimDelay, DefaultMemoryTrimDelay)
	setDur(&c.presencePause, defaultPresencePause)
	setInt(&c.MaxTransfers, DefaultMaxTransfers)
	setInt(&c.MaxTransfersPerClient, DefaultMaxTransfersPerClient)
	setInt(&c.MaxSharedFiles, DefaultMaxSharedFiles)
	c.Hosts.setDefaults()
	setInt(&c.HistoryKeep, DefaultHistoryKeep)
	setInt(&c.HistoryDays, DefaultHistoryDays)
	setInt(&c.KeptMessages, DefaultKeptMessages)
	if c.KeptBytes == 0 {
		c.KeptBytes = DefaultKeptBytes
	}
	setInt(&c.KeptDays, DefaultKeptDays)
}

// setDefault sets *p to v when it holds its zero value, the "not set" of
// every field of a configuration.
func setDefault[T comparable](p *T, v T) {
	var zero T
	if *p == zero {
		*p = v
	}
}

// validate reports every field that is out of range.
func (c *Config) validate() error {
	var errs []error
	positive := func(name string, v float64) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("config field %s must be positive, got %v", name, v))
		}
	}
	if err := proto.ValidText(c.Name); err != nil {
		errs = append(errs, fmt.Errorf("hub name %s: %w", proto.QuoteInput(c.Name), err))
	} else if len(c.Name) > MaxNameLen {
		errs = append(errs, fmt.Errorf("hub name %s has %d bytes; it may have at most %d", proto.QuoteInput(c.Name), len(c.Name), MaxNameLen))
	}
	if c.History < NoHistory {
		errs = append(errs, fmt.Errorf("config field History must be at least %d, got %d", NoHistory, c.History))
	}
	positive("MaxClients", float64(c.MaxClients))
	positive("MaxLineRate", c.MaxLineRate)
	positive("LineBurst", float64(c.LineBurst))
	positive("FloodLimit", float64(c.FloodLimit))
	positive("FloodWindow", float64(c.FloodWindow))
	positive("MaxNickTries", float64(c.MaxNickTries))
	positive("RegisterTimeout", float64(c.RegisterTimeout))
	positive("IdleTimeout", float64(c.IdleTimeout))
	positive("PingTimeout", float64(c.PingTimeout))
	positive("FlushTimeout", float64(c.FlushTimeout))
	positive("MaxTransfers", float64(c.MaxTransfers))
	positive("MaxTransfersPerClient", float64(c.MaxTransfersPerClient))
	positive("MaxSharedFiles", float64(c.MaxSharedFiles))
	if err := c.Hosts.validate(); err != nil {
		errs = append(errs, err)
	}
	positive("HistoryKeep", float64(c.HistoryKeep))
	positive("HistoryDays", float64(c.HistoryDays))
	positive("KeptMessages", float64(c.KeptMessages))
	positive("KeptBytes", float64(c.KeptBytes))
	positive("KeptDays", float64(c.KeptDays))
	if c.OutQueueBytes < proto.MaxHubLineLen*2 {
		errs = append(errs, fmt.Errorf("config field OutQueueBytes must be at least %d (two of the longest lines), got %d", proto.MaxHubLineLen*2, c.OutQueueBytes))
	}
	if c.MaxQueuedBytes < c.OutQueueBytes {
		errs = append(errs, fmt.Errorf("config field MaxQueuedBytes must be at least OutQueueBytes (%d), got %d", c.OutQueueBytes, c.MaxQueuedBytes))
	}
	if c.MemoryTrimDelay < NoMemoryTrim {
		errs = append(errs, fmt.Errorf("config field MemoryTrimDelay must be positive or NoMemoryTrim, got %v", c.MemoryTrimDelay))
	}
	if c.Addr == NoAddr && c.TLS == nil {
		errs = append(errs, errors.New("the hub needs a session port: Addr is NoAddr and TLS is off"))
	}
	if c.WatchInterval < 0 {
		errs = append(errs, fmt.Errorf("config field WatchInterval must be positive, or zero for no watch, got %v", c.WatchInterval))
	}
	if c.ReadBufferSize < 16 {
		errs = append(errs, fmt.Errorf("config field ReadBufferSize must be at least 16, got %d", c.ReadBufferSize))
	}
	return errors.Join(errs...)
}

// historyLen is the number of messages kept for replay.
func (c *Config) historyLen() int {
	if c.History < 0 {
		return 0
	}
	return c.History
}
