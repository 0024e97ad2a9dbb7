package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
)

// Session is what the UI needs from the client core; *client.Client
// satisfies it. The UI never touches sockets itself.
type Session interface {
	Snapshot() *client.Snapshot
	Events() <-chan client.Event
	Done() <-chan struct{}

	Send(text string) error
	SendPrivate(nick, text string) error
	SetNick(nick string) error
	RefreshUsers()
	RefreshFiles()
	MoreFiles()
	LoadOlder()
	Search(words string)
	Download(name string) (client.TransferID, error)
	Upload(path string) (client.TransferID, error)
	UploadReader(name string, r io.Reader, size int64) (client.TransferID, error)
	Cancel(id client.TransferID) error
	Quit(reason string)
	Close() error
}

var _ Session = (*client.Client)(nil)

// Connector starts a session with the hub that cfg names. It must not
// block on the network: the UI watches the session's Snapshot to learn
// whether the hub accepted the nick.
type Connector func(ctx context.Context, cfg client.Config) (Session, error)

// Connect is the Connector for the real client core.
func Connect(ctx context.Context, cfg client.Config) (Session, error) {
	c, err := client.New(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// Hosted is a hub this device runs for the session.
type Hosted interface {
	// Addr is the address to join it at, e.g. "127.0.0.1:50000".
	Addr() string
	// Close stops the hub and waits for it.
	Close() error
}

// Hoster starts a hub on this device.
type Hoster func(ctx context.Context) (Hosted, error)

// loginFailure turns a session that ended before registration into a
// message for the login form, at the field it concerns.
func loginFailure(addr string, conn client.Connection) (login.Field, string) {
	var he *client.HubError
	if errors.As(conn.Err, &he) {
		switch he.Reason {
		case "nick-in-use":
			return login.NickField, "That nickname is taken; choose another"
		case "bad-nick":
			return login.NickField, words.HubError(he)
		case "hub-full":
			return login.AddrField, "The hub at " + addr + " is full; try again later"
		}
		return login.General, words.HubError(he)
	}
	var bye *client.ByeError
	if errors.As(conn.Err, &bye) {
		return login.General, "The hub closed the connection: " + words.Bye(bye)
	}
	if conn.Cause == client.CauseNotNatter {
		return login.AddrField, addr + " does not answer like a Natter hub; check the address and the port"
	}
	reason := words.Connection(conn)
	if reason == "" && conn.Err != nil {
		reason = words.Plain(conn.Err)
	}
	if reason == "" {
		reason = "no answer"
	}
	return login.AddrField, fmt.Sprintf("Cannot reach a hub at %s: %s", addr, reason)
}

// uploadInfo finds the name and size of a stream from a file picker: an
// *os.File has both, Android's picker gives Name and Size methods.
func uploadInfo(r io.Reader) (name string, size int64, err error) {
	size = -1
	if n, ok := r.(interface{ Name() string }); ok {
		name = filepath.Base(n.Name())
	}
	switch f := r.(type) {
	case interface{ Stat() (os.FileInfo, error) }:
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
	case interface{ Size() int64 }:
		size = f.Size()
	}
	if name == "" || name == "." || name == string(filepath.Separator) {
		return "", size, errors.New("the file picker did not say the file's name")
	}
	return name, size, nil
}
