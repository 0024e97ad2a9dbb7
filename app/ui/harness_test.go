package ui_test

import (
	"bufio"
	"fmt"
	"image"
	"net"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"gioui.org/io/input"
	"gioui.org/io/key"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
	"gioui.org/widget"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
)

// One shaper for every test: building one parses the fonts.
var testShaper = theme.NewShaper()

// harness drives a ui.UI without a window: it lays the UI out into ops
// through a real input.Router (which registers hit areas and focus), queues
// input events, and lays it out again.
type harness struct {
	t         *testing.T
	r         input.Router
	ops       op.Ops
	u         *ui.UI
	size      image.Point
	downloads string
}

func newHarness(t *testing.T, cfg ui.Config) *harness {
	t.Helper()
	cfg.Shaper = testShaper
	if cfg.DownloadDir == "" {
		cfg.DownloadDir = t.TempDir()
	}
	adjust := cfg.ClientConfig
	cfg.ClientConfig = func(c *client.Config) {
		c.ReconnectMin = 50 * time.Millisecond
		c.ReconnectMax = 200 * time.Millisecond
		c.DialTimeout = 2 * time.Second
		if adjust != nil {
			adjust(c)
		}
	}
	h := &harness{t: t, u: ui.New(cfg), size: image.Pt(1024, 700), downloads: cfg.DownloadDir}
	t.Cleanup(func() { require.NoError(t, h.u.Close()) })
	h.frame()
	return h
}

func (h *harness) frame() {
	h.ops.Reset()
	gtx := layout.Context{
		Ops:         &h.ops,
		Now:         time.Now(),
		Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
		Constraints: layout.Exact(h.size),
		Source:      h.r.Source(),
	}
	h.u.Layout(gtx)
	h.r.Frame(&h.ops)
}

// until lays out frames until cond holds, failing after a generous time.
func (h *harness) until(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
		h.frame()
	}
}

// press focuses the clickable (as Tab would) and presses Return on it,
// which clicks it only if it was laid out, enabled, in the last frame.
func (h *harness) press(btn *widget.Clickable) {
	h.t.Helper()
	require.NotNil(h.t, btn, "no such button")
	h.r.Source().Execute(key.FocusCmd{Tag: btn})
	h.frame()
	require.True(h.t, h.r.Source().Focused(btn), "the button is not on screen or not enabled")
	h.r.Queue(
		key.Event{Name: key.NameReturn, State: key.Press},
		key.Event{Name: key.NameReturn, State: key.Release},
	)
	h.frame()
	h.frame()
}

// typeInto focuses the editor and types text as the keyboard would.
func (h *harness) typeInto(e *widget.Editor, text string) {
	h.t.Helper()
	h.r.Source().Execute(key.FocusCmd{Tag: e})
	h.frame()
	require.True(h.t, h.r.Source().Focused(e), "the editor is not on screen")
	// Type at the caret and move the caret past the text, as the
	// platform's input method does.
	start, end := e.Selection()
	start, end = min(start, end), max(start, end)
	h.r.Queue(key.EditEvent{Range: key.Range{Start: start, End: end}, Text: text})
	h.frame()
	caret := start + utf8.RuneCountInString(text)
	h.r.Queue(key.SelectionEvent{Start: caret, End: caret})
	h.frame()
}

// key presses a named key (with modifiers) on whatever has the focus.
func (h *harness) key(name key.Name, mods key.Modifiers) {
	h.r.Queue(
		key.Event{Name: name, Modifiers: mods, State: key.Press},
		key.Event{Name: name, Modifiers: mods, State: key.Release},
	)
	h.frame()
}

// rawClient is a plain TCP client speaking natter/1, the way a test sees
// what the hub really delivered.
type rawClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr, nick string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	c := &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
	t.Cleanup(func() { conn.Close() })
	c.expect("HELLO ")
	c.send("NICK " + nick)
	c.expect("WELCOME " + nick)
	return c
}

func (c *rawClient) send(line string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetWriteDeadline(time.Now().Add(5*time.Second)))
	_, err := fmt.Fprintf(c.conn, "%s\n", line)
	require.NoError(c.t, err)
}

// expect reads lines until one starts with prefix and returns it; other
// lines are skipped (answering PING so the hub keeps us).
func (c *rawClient) expect(prefix string) string {
	c.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	require.NoError(c.t, c.conn.SetReadDeadline(deadline))
	for range 10_000 {
		line, err := c.r.ReadString('\n')
		require.NoError(c.t, err, "waiting for %q", prefix)
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, prefix) {
			return line
		}
		if tok, ok := strings.CutPrefix(line, "PING "); ok {
			c.send("PONG " + tok)
		}
	}
	c.t.Fatalf("no line starting with %q", prefix)
	return ""
}

// fields splits a hub line into n fields, the last one taking the rest of
// the line ("MSG <time> <from> <text…>" is fields(line, 4)).
func fields(line string, n int) []string {
	parts := strings.SplitN(line, " ", n)
	for len(parts) < n {
		parts = append(parts, "")
	}
	return parts
}

// labels are the texts on screen, as screen readers see them.
func (h *harness) labels() []string {
	var out []string
	for _, n := range h.r.AppendSemantics(nil) {
		if n.Desc.Label != "" {
			out = append(out, n.Desc.Label)
		}
	}
	return out
}
