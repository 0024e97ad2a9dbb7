package client

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// hubLine is one parsed line from the hub, in the shape the loop needs.
// Which fields are set depends on kw.
type hubLine struct {
	kw   string    // upper-case keyword
	time time.Time // JOIN, RENAME, LEAVE, MSG, PRIV, SHARED
	nick string    // WELCOME, USER, JOIN, LEAVE, RENAME (old)
	to   string    // PRIV recipient; RENAME new nick
	from string    // MSG, PRIV, SHARED sender
	// text is the decoded body (MSG, PRIV), the hub name (HELLO), the
	// reason (LEAVE, BYE) or the token (PING, PONG).
	text    string
	n       int    // USERS, HISTORY, FILES counts
	size    int64  // FILE, GET, SHARED
	sha     string // FILE, GET, SHARED; "" when unknown
	mtime   time.Time
	name    string // FILE, GET, PUT (stored name), SHARED
	token   string // GET, PUT
	port    int    // GET, PUT
	hubErr  *HubError
	version string // HELLO
}

// lineReader reads hub lines with the hub's length limit.
type lineReader struct{ r *proto.Reader }

func newLineReader(conn io.Reader) *lineReader {
	return &lineReader{r: proto.NewReader(bufio.NewReaderSize(conn, 16<<10), proto.MaxHubLineLen)}
}

var errLineTooLong = proto.ErrLineTooLong

func (r *lineReader) readLine() (string, error) {
	b, err := r.r.ReadLine()
	if err == io.EOF {
		return "", errHubClosed
	}
	return string(b), err
}

// parseHubLine parses one line from the hub with the natter/1 codec.
func parseHubLine(raw string) (hubLine, error) {
	ev, err := proto.ParseEvent(raw)
	if err != nil {
		return hubLine{}, err
	}
	h := hubLine{kw: ev.Keyword, n: ev.Count, size: ev.Size, sha: ev.SHA256, name: ev.Name, token: ev.Token, port: ev.Port}
	if ev.Time != 0 {
		h.time = time.UnixMilli(ev.Time)
	}
	switch ev.Keyword {
	case proto.KwHello:
		h.text, h.version = ev.Text, ev.Version
	case proto.KwCaps:
		h.text = ev.Text
	case proto.KwWelcome, proto.KwUser, proto.KwJoin:
		h.nick = ev.Nick
	case proto.KwRename:
		h.nick, h.to = ev.Nick, ev.NewNick
	case proto.KwLeave:
		h.nick, h.text = ev.Nick, ev.Reason
	case proto.KwMsg, proto.KwPriv:
		h.from, h.to, h.text = ev.Nick, ev.To, ev.Text
	case proto.KwShared:
		h.from = ev.Nick
	case proto.KwFile:
		h.mtime = time.UnixMilli(ev.MTime)
	case proto.KwBye:
		h.text = ev.Reason
	case proto.KwPing, proto.KwPong:
		h.text = ev.Token
	case proto.KwErr:
		kw := ev.Err.Keyword
		if kw == "" {
			kw = "-"
		}
		h.hubErr = &HubError{Code: ev.Err.Code, Keyword: strings.ToUpper(kw), Reason: ev.Err.Reason, Detail: ev.Err.Detail}
	}
	return h, nil
}
