package client

import (
	"bufio"
	"io"
	"strings"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// hubLine is one parsed line from the hub: the codec's Event, with its
// times as time.Time and an ERR as the *HubError the client reports.
type hubLine struct {
	proto.Event
	time   time.Time // Event.Time: JOIN, RENAME, LEAVE, MSG, PRIV, SHARED
	mtime  time.Time // Event.MTime: FILE
	hubErr *HubError // ERR
}

// maxHubLineLen is the longest hub line the client reads, terminator
// included: natter/1 §2 lets a hub add up to 256 bytes of its own fields to
// a client's line. The codec's [proto.MaxHubLineLen] is the limit a hub
// writes within, which is shorter.
const maxHubLineLen = proto.MaxLineLen + 256

// lineReader reads hub lines with the hub's length limit.
type lineReader struct{ r *proto.Reader }

func newLineReader(conn io.Reader) *lineReader {
	return &lineReader{r: proto.NewReader(bufio.NewReaderSize(conn, 16<<10), maxHubLineLen)}
}

var errLineTooLong = proto.ErrLineTooLong

func (r *lineReader) readLine() (string, error) {
	b, err := r.r.ReadLine()
	if err == io.EOF {
		return "", errHubClosed
	}
	return string(b), err
}

// parseHubLine parses one line from the hub with the natter/1 codec. A
// keyword the codec does not know is an error that matches
// [proto.ErrUnknownKeyword].
func parseHubLine(raw string) (hubLine, error) {
	ev, err := proto.ParseEvent(raw)
	if err != nil {
		return hubLine{}, err
	}
	h := hubLine{Event: ev}
	if ev.Time != 0 {
		h.time = time.UnixMilli(ev.Time)
	}
	if ev.Keyword == proto.KwFile {
		h.mtime = time.UnixMilli(ev.MTime)
	}
	if ev.Keyword == proto.KwErr {
		kw := ev.Err.Keyword
		if kw == "" {
			kw = "-"
		}
		h.hubErr = &HubError{Code: ev.Err.Code, Keyword: strings.ToUpper(kw), Reason: ev.Err.Reason, Detail: ev.Err.Detail}
	}
	return h, nil
}
