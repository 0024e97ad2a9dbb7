package proto

import (
	"bufio"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseCommand checks that any client line either parses into a Command
// that formats back to a line parsing to the same Command, or fails with an
// *Error whose ERR line is itself valid.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"NICK bob", "MSG hi", `MSG a\nb\\c\d`, "PRIV x y z", "PUT 1 " + sum + " a b", "GET ../x", "QUIT", "QUIT bye", "ping 1", "MSG \xff", "", "FILES 500", `PRIV a x\y`, "CLAIM", "unclaim"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if err != nil {
			checkErr(t, line, err)
			return
		}
		if !utf8.ValidString(line) {
			t.Fatalf("accepted invalid UTF-8 %q", line)
		}
		if strings.ContainsAny(line, "\n\r\x00") {
			t.Fatalf("accepted control characters in %q", line)
		}
		out, err := c.Append(nil)
		if err != nil && lineGrewTooLong(line, err) {
			return
		}
		if err != nil {
			t.Fatalf("parsed %q into %+v, which does not format: %v", line, c, err)
		}
		c2, err := ParseCommand(string(out[:len(out)-1]))
		if err != nil {
			t.Fatalf("formatted %+v as %q, which does not parse: %v", c, out, err)
		}
		if c2 != c {
			t.Fatalf("round trip of %q: %+v != %+v", line, c2, c)
		}
		if len(out) > len(line)*2+2 {
			t.Fatalf("formatted line %q grew too much from %q", out, line)
		}
	})
}

// FuzzParseEvent is FuzzParseCommand for hub lines.
func FuzzParseEvent(f *testing.F) {
	for _, s := range []string{"HELLO natter/1 hub", "MSG 1 bob hi", "PRIV 1 a b c", "FILE 1 - 2 n", "GET t 1 2 " + sum + " n",
		"ERR 400 - bad-syntax x", "LEAVE 1 a quit: bye", "USERS 0", "BYE shutdown", "RENAME 1 a b", "SHARED 1 a 2 " + sum + " n",
		"SHARED 1 - 2 " + sum + " n", "UNSHARED 3 n", "FILES 1 9", "CAPS tls=1 claim",
		"CLAIMED bob", "UNCLAIMED bob", "KEPT 1 bob", "INBOX 2", "USER bob o", "JOIN 1 bob o", "WELCOME bob o", "ERR 403 CLAIM need-identity"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		ev, err := ParseEvent(line)
		if err != nil {
			checkErr(t, line, err)
			return
		}
		if !utf8.ValidString(line) {
			t.Fatalf("accepted invalid UTF-8 %q", line)
		}
		out, err := ev.Append(nil)
		if err != nil && lineGrewTooLong(line, err) {
			return
		}
		if err != nil {
			t.Fatalf("parsed %q into %+v, which does not format: %v", line, ev, err)
		}
		ev2, err := ParseEvent(string(out[:len(out)-1]))
		if err != nil {
			t.Fatalf("formatted %+v as %q, which does not parse: %v", ev, out, err)
		}
		if ev2 != ev {
			t.Fatalf("round trip of %q: %+v != %+v", line, ev2, ev)
		}
	})
}

// lineGrewTooLong reports whether err says that the canonical form of a
// long line is over the length limit: formatting escapes a lone backslash
// as two, so a line near the limit may not format within it.
func lineGrewTooLong(line string, err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Reason == ReasonLineTooLong && 2*len(line)+2 > MaxLineLen
}

func checkErr(t *testing.T, line string, err error) {
	t.Helper()
	pe, ok := err.(*Error)
	if !ok {
		t.Fatalf("%q: error %T is not *Error", line, err)
	}
	if pe.Code == 0 || pe.Reason == "" || pe.Detail == "" {
		t.Fatalf("%q: incomplete error %+v", line, pe)
	}
	errLine := pe.AppendLine(nil)
	ev, perr := ParseEvent(string(errLine[:len(errLine)-1]))
	if perr != nil || ev.Keyword != KwErr {
		t.Fatalf("%q: ERR line %q does not parse: %v", line, errLine, perr)
	}
	if len(errLine) > MaxHubLineLen {
		t.Fatalf("%q: ERR line of %d bytes", line, len(errLine))
	}
}

// FuzzReader checks that the Reader never returns a line over the limit or
// holding a LF, and that lines within the limit come back whole.
func FuzzReader(f *testing.F) {
	f.Add("a\nb\r\n\n", 16, 8)
	f.Add(strings.Repeat("x", 40)+"\nshort\n", 16, 32)
	f.Add("no newline", 16, 100)
	f.Fuzz(func(t *testing.T, in string, bufSize, max int) {
		if bufSize < 16 || bufSize > 1<<16 || max < 1 || max > 1<<16 {
			return
		}
		r := NewReader(bufio.NewReaderSize(strings.NewReader(in), bufSize), max)
		want := strings.SplitAfter(in, "\n")
		for i := 0; i <= len(want); i++ {
			line, err := r.ReadLine()
			if err != nil {
				if err == ErrLineTooLong {
					if i >= len(want) || len(want[i]) <= max {
						t.Fatalf("line %d reported too long", i)
					}
					continue
				}
				return
			}
			if i >= len(want) {
				t.Fatalf("extra line %q", line)
			}
			exp := strings.TrimSuffix(strings.TrimSuffix(want[i], "\n"), "\r")
			if string(line) != exp || len(want[i]) > max {
				t.Fatalf("line %d: got %q want %q (max %d)", i, line, exp, max)
			}
		}
	})
}
