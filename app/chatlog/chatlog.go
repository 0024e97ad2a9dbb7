// Package chatlog keeps the app's own log of each hub's conversation: the
// public and private messages the client saw, one JSON object a line, in a
// file of the app's data folder named after the hub. The log survives a
// restart; Merge puts it together with the messages the hub replays.
package chatlog

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/natter-chat/natter/core/client"
)

// DefaultKeep is how many messages a hub's log keeps.
const DefaultKeep = 10000

// SavedSeq is the Seq of the first saved message Load returns; the ones
// after it count up from there. It is far above any Seq the client core
// gives, so that saved and live messages never share one.
const SavedSeq = uint64(1) << 62

// maxLine bounds one line of the file: a hub line is at most 8192 + 256
// bytes, and JSON escaping can double the text.
const maxLine = 64 << 10

// record is one line of the file.
type record struct {
	Time int64  `json:"t"` // Unix milliseconds, the hub's <time>
	Kind string `json:"k"` // "public" or "private"
	From string `json:"f"`
	To   string `json:"o,omitempty"`
	Text string `json:"x"`
	Own  bool   `json:"own,omitempty"`
}

// LineError says which line of a log could not be read, and why.
type LineError struct {
	Path string
	Line int
	Err  error
}

func (e *LineError) Error() string {
	return fmt.Sprintf("chatlog: %s line %d: %v", e.Path, e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Key is the name a hub's log is kept under: its TLS key when known, else
// the address it was joined at.
func Key(hubKey string, addr string) string {
	if hubKey != "" {
		return "key:" + hubKey
	}
	return "addr:" + addr
}

// Log is one hub's log file. It is not safe for concurrent use.
type Log struct {
	path string
	// Keep is how many messages the file keeps; over it by a quarter,
	// Append rewrites the file with the newest Keep.
	Keep int
	// lines is how many lines the file holds (corrupt ones included).
	lines int
	// torn is set when the file does not end in a line feed: the next
	// write starts a new line first.
	torn bool
	// times are the times of the messages in the file, to keep a message
	// out that the file holds already.
	times map[int64]bool
	// w is where lines are written; the file, but a test can make it fail.
	w io.Writer
	f *os.File
	// opened is what Open read, for the first Load to return without
	// reading the file again.
	opened *readResult
}

type readResult struct {
	msgs []client.Message
	bad  []error
}

// Open opens, creating it if need be, the log kept under key in dir (made
// with mode 0700; the file gets 0600). It reads the file once, to learn
// what it holds; Load returns the messages.
func Open(dir, key string) (*Log, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("chatlog: folder %s: %w", dir, err)
	}
	sum := sha256.Sum256([]byte(key))
	path := filepath.Join(dir, hex.EncodeToString(sum[:16])+".jsonl")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("chatlog: %w", err)
	}
	l := &Log{path: path, Keep: DefaultKeep, times: map[int64]bool{}, f: f, w: f}
	msgs, bad, err := l.read()
	if err != nil {
		f.Close()
		return nil, err
	}
	for _, m := range msgs {
		l.times[m.Time.UnixMilli()] = true
	}
	l.opened = &readResult{msgs, bad}
	return l, nil
}

// Path is the log's file.
func (l *Log) Path() string { return l.path }

// Close closes the file.
func (l *Log) Close() error { return l.f.Close() }

// Load returns the newest Keep messages of the file, oldest first, with
// Seq numbers from SavedSeq and History set. Lines that cannot be read are
// left out and reported, each as a *LineError; a last line cut short (the
// app stopped while writing it) is left out silently.
func (l *Log) Load() ([]client.Message, []error, error) {
	var msgs []client.Message
	var bad []error
	if r := l.opened; r != nil {
		msgs, bad = r.msgs, r.bad
	} else {
		var err error
		if msgs, bad, err = l.read(); err != nil {
			return nil, nil, err
		}
	}
	l.opened = nil
	if len(msgs) > l.Keep {
		msgs = msgs[len(msgs)-l.Keep:]
	}
	for i := range msgs {
		msgs[i].Seq = SavedSeq + uint64(i)
	}
	return msgs, bad, nil
}

// read reads the whole file and counts its lines.
func (l *Log) read() ([]client.Message, []error, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, nil, fmt.Errorf("chatlog: %w", err)
	}
	defer f.Close()
	var msgs []client.Message
	var bad []error
	r := bufio.NewReaderSize(f, maxLine)
	l.lines, l.torn = 0, false
	for n := 1; ; n++ {
		line, err := r.ReadSlice('\n')
		long := false
		for errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than any message: skip to its end.
			long = true
			_, err = r.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, nil, fmt.Errorf("chatlog: reading %s: %w", l.path, err)
		}
		eof := err != nil
		if eof && len(line) == 0 && !long {
			break
		}
		l.lines++
		if eof {
			// No line feed: the last write was cut short.
			l.torn = true
			break
		}
		if long {
			bad = append(bad, &LineError{Path: l.path, Line: n, Err: errors.New("line too long")})
			continue
		}
		m, err := decode(line)
		if err != nil {
			bad = append(bad, &LineError{Path: l.path, Line: n, Err: err})
			continue
		}
		msgs = append(msgs, m)
	}
	return msgs, bad, nil
}

func decode(line []byte) (client.Message, error) {
	var rec record
	if err := json.Unmarshal(bytes.TrimSpace(line), &rec); err != nil {
		return client.Message{}, err
	}
	m := client.Message{Time: time.UnixMilli(rec.Time), From: rec.From, To: rec.To, Text: rec.Text, Own: rec.Own, History: true}
	switch rec.Kind {
	case "public":
		m.Kind = client.Public
	case "private":
		m.Kind = client.Private
	default:
		return client.Message{}, fmt.Errorf("unknown kind %q", rec.Kind)
	}
	if rec.Time <= 0 || rec.From == "" {
		return client.Message{}, fmt.Errorf("no time or no sender")
	}
	return m, nil
}

// Has reports whether the file holds a message with m's time.
func (l *Log) Has(m client.Message) bool { return l.times[m.Time.UnixMilli()] }

// Append adds m, a public or private message, unless the file holds one
// with its time already (the same message: a hub's <time> names one). Other
// kinds are not kept. An error (a full disk) leaves the file as it was,
// save perhaps a torn last line, which the next Append starts after.
func (l *Log) Append(m client.Message) error {
	var kind string
	switch m.Kind {
	case client.Public:
		kind = "public"
	case client.Private:
		kind = "private"
	default:
		return nil
	}
	t := m.Time.UnixMilli()
	if t <= 0 || l.times[t] {
		return nil
	}
	b, err := json.Marshal(record{Time: t, Kind: kind, From: m.From, To: m.To, Text: m.Text, Own: m.Own})
	if err != nil {
		return fmt.Errorf("chatlog: message at %d: %w", t, err)
	}
	if l.torn {
		b = append([]byte{'\n'}, b...)
	}
	b = append(b, '\n')
	l.opened = nil
	if _, err := l.w.Write(b); err != nil {
		// A partial write leaves a torn line; start the next one afresh.
		l.torn = true
		return fmt.Errorf("chatlog: writing %s: %w", l.path, err)
	}
	l.torn = false
	l.lines++
	l.times[t] = true
	if l.lines > l.Keep+max(l.Keep/4, 1) {
		return l.compact()
	}
	return nil
}

// compact rewrites the file with its newest Keep messages, through a new
// file renamed over the old one.
func (l *Log) compact() error {
	msgs, _, err := l.read()
	if err != nil {
		return err
	}
	if len(msgs) > l.Keep {
		msgs = msgs[len(msgs)-l.Keep:]
	}
	var buf bytes.Buffer
	times := make(map[int64]bool, len(msgs))
	for _, m := range msgs {
		kind := "public"
		if m.Kind == client.Private {
			kind = "private"
		}
		b, err := json.Marshal(record{Time: m.Time.UnixMilli(), Kind: kind, From: m.From, To: m.To, Text: m.Text, Own: m.Own})
		if err != nil {
			return fmt.Errorf("chatlog: compacting %s: %w", l.path, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
		times[m.Time.UnixMilli()] = true
	}
	tmp := l.path + ".new"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("chatlog: compacting %s: %w", l.path, err)
	}
	if err := os.Rename(tmp, l.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("chatlog: compacting %s: %w", l.path, err)
	}
	f, err := os.OpenFile(l.path, os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("chatlog: %w", err)
	}
	l.f.Close()
	l.f, l.w = f, f
	l.lines, l.torn, l.times = len(msgs), false, times
	return nil
}

// Merge puts saved messages (from Load, oldest first) together with live,
// the client's log: a saved message whose time a live public or private
// message has is the same message and is left out; the others go in by
// time, before the first live public or private message that is newer
// (and before the system lines that lead up to it: a system line carries
// the client's clock, not the hub's). live keeps its order. With nothing
// saved left over, live itself is returned.
func Merge(saved, live []client.Message) []client.Message {
	if len(saved) == 0 {
		return live
	}
	have := make(map[int64]bool, len(live))
	for _, m := range live {
		if chat(m) {
			have[m.Time.UnixMilli()] = true
		}
	}
	rest := make([]client.Message, 0, len(saved))
	for _, m := range saved {
		if !have[m.Time.UnixMilli()] {
			rest = append(rest, m)
		}
	}
	if len(rest) == 0 {
		return live
	}
	// next[i] is the index of the first chat message at or after i.
	next := make([]int, len(live)+1)
	next[len(live)] = len(live)
	for i := len(live) - 1; i >= 0; i-- {
		next[i] = next[i+1]
		if chat(live[i]) {
			next[i] = i
		}
	}
	out := make([]client.Message, 0, len(rest)+len(live))
	j := 0
	for i, m := range live {
		if k := next[i]; k < len(live) {
			for j < len(rest) && !rest[j].Time.After(live[k].Time) {
				out = append(out, rest[j])
				j++
			}
		}
		out = append(out, m)
	}
	return append(out, rest[j:]...)
}

func chat(m client.Message) bool { return m.Kind == client.Public || m.Kind == client.Private }
