package proto

import (
	"errors"
	"testing"
)

func TestHistoryAndSearchCommands(t *testing.T) {
	for _, c := range []struct {
		line   string
		count  int64
		before int64
		text   string
		back   string
	}{
		{line: "HISTORY 100 1764000000123", count: 100, before: 1764000000123, back: "HISTORY 100 1764000000123"},
		{line: "history 50", count: 50, back: "HISTORY 50"},
		{line: "SEARCH café  東京 🎉", text: "café  東京 🎉", back: "SEARCH café  東京 🎉"},
	} {
		cmd, err := ParseCommand(c.line)
		if err != nil {
			t.Fatalf("ParseCommand(%q): %v", c.line, err)
		}
		if cmd.Count != c.count || cmd.Before != c.before || cmd.Text != c.text {
			t.Fatalf("ParseCommand(%q) = %+v", c.line, cmd)
		}
		if got := cmd.String(); got != c.back {
			t.Fatalf("%q written back as %q, want %q", c.line, got, c.back)
		}
	}
	for _, bad := range []string{"HISTORY", "HISTORY 0", "HISTORY x", "HISTORY 10 0", "HISTORY 10 -5", "HISTORY 10 5 6", "SEARCH", "SEARCH "} {
		_, err := ParseCommand(bad)
		if !errors.Is(err, &Error{Reason: ReasonBadSyntax}) {
			t.Errorf("ParseCommand(%q) = %v, want bad-syntax", bad, err)
		}
	}
}

func TestFoundEvent(t *testing.T) {
	ev, err := ParseEvent("FOUND 3")
	if err != nil || ev.Keyword != KwFound || ev.Count != 3 {
		t.Fatalf("ParseEvent(FOUND 3) = %+v, %v", ev, err)
	}
	if got := string(AppendFound(nil, 7)); got != "FOUND 7\n" {
		t.Fatalf("AppendFound = %q", got)
	}
}
