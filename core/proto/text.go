package proto

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Limits on names.
const (
	MaxNickLen = 24 // characters
	// MaxFileNameLen leaves room for ".part" within the 255 bytes a file
	// system allows a name.
	MaxFileNameLen = 250 // bytes
)

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// validText returns "" when s is valid natter/1 text, else what is wrong.
func validText(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return fmt.Sprintf("control character U+%04X at byte %d", c, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return fmt.Sprintf("invalid UTF-8 at byte %d", i)
		}
		i += n
	}
	return ""
}

// ValidText reports whether s is valid natter/1 text: UTF-8 with no control
// characters (U+0000–U+001F, U+007F). The error is a bad-text *Error saying
// where the first fault is.
func ValidText(s string) error {
	if d := validText(s); d != "" {
		return NewError(ReasonBadText, "", d)
	}
	return nil
}

// ValidBody reports whether s, an unescaped message body, can be sent: it
// must be valid text apart from line breaks, which [Escape] encodes.
func ValidBody(s string) error {
	for i := 0; i < len(s); {
		j := strings.IndexByte(s[i:], '\n')
		if j < 0 {
			return offsetErr(validText(s[i:]), i)
		}
		if err := offsetErr(validText(s[i:i+j]), i); err != nil {
			return err
		}
		i += j + 1
	}
	return nil
}

// offsetErr turns a validText fault in a piece of a body into an error; the
// byte offset in the detail is relative to the piece, so say so.
func offsetErr(detail string, pieceStart int) error {
	if detail == "" {
		return nil
	}
	if pieceStart > 0 {
		detail += fmt.Sprintf(" of the part starting at byte %d", pieceStart)
	}
	return NewError(ReasonBadText, "", detail)
}

// Escape encodes a message body for the wire: a line break becomes the two
// characters `\n` and a backslash becomes `\\`.
func Escape(s string) string {
	if strings.IndexByte(s, '\\') < 0 && strings.IndexByte(s, '\n') < 0 {
		return s
	}
	return string(AppendEscaped(make([]byte, 0, len(s)+8), s))
}

// AppendEscaped appends Escape(s) to dst.
func AppendEscaped(dst []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\\\n")
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		if s[i] == '\n' {
			dst = append(dst, `\n`...)
		} else {
			dst = append(dst, `\\`...)
		}
		s = s[i+1:]
	}
}

// EscapedLen returns len(Escape(s)) without building it.
func EscapedLen(s string) int {
	return len(s) + strings.Count(s, "\\") + strings.Count(s, "\n")
}

// Unescape decodes a message body from the wire: `\n` becomes a line break,
// `\\` a backslash, and any other backslash stands for itself.
// Unescape(Escape(s)) == s for every s.
func Unescape(s string) string {
	i := strings.IndexByte(s, '\\')
	if i < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i >= 0 {
		b = append(b, s[:i]...)
		switch {
		case i+1 < len(s) && s[i+1] == 'n':
			b = append(b, '\n')
			s = s[i+2:]
		case i+1 < len(s) && s[i+1] == '\\':
			b = append(b, '\\')
			s = s[i+2:]
		default:
			b = append(b, '\\')
			s = s[i+1:]
		}
		i = strings.IndexByte(s, '\\')
	}
	return string(append(b, s...))
}

// reservedNicks holds the NickKey of every reserved nick.
var reservedNicks = [...]string{"hub", "everyone", "all", "server"}

// ValidNick reports whether nick is acceptable: 1–24 characters, Unicode
// letters, digits, '_', '-' and '.', starting with a letter, and not one of
// the reserved nicks (hub, everyone, all, server, in any case). The error is
// a bad-nick *Error saying what is wrong.
//
// A nick holding a character that changes how text is displayed (see
// [IsDisplayControl]) is refused with a detail that says so.
//
// A hub normalises a nick to NFC before checking it (see [NickKey]), so a
// letter written with a combining accent is accepted as one letter.
// [IdentifyNick] adds the checks of owned nicks and look-alikes.
func ValidNick(nick string) error {
	if nick == "" {
		return NewError(ReasonBadNick, KwNick, "empty nick")
	}
	n := 0
	for i, r := range nick {
		n++
		if n > MaxNickLen {
			return NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s is longer than %d characters", quoteInput(nick), MaxNickLen))
		}
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(nick[i:], "\uFFFD"):
			return NewError(ReasonBadNick, KwNick, fmt.Sprintf("invalid UTF-8 at byte %d of the nick", i))
		case IsDisplayControl(r):
			return NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s holds U+%04X at byte %d, which changes how text is displayed", quoteInput(nick), r, i))
		case i == 0 && !unicode.IsLetter(r):
			return NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s must start with a letter", quoteInput(nick)))
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '_', r == '-', r == '.':
		default:
			return NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s contains %s; allowed are letters, digits, '_', '-' and '.'", quoteInput(nick), describeRune(r)))
		}
	}
	key := NickKey(nick)
	for _, r := range reservedNicks {
		if key == r {
			return NewError(ReasonBadNick, KwNick, fmt.Sprintf("nick %s is reserved", quoteInput(nick)))
		}
	}
	return nil
}

// NickKey returns the form under which nicks are compared for uniqueness:
// NFC normalisation followed by Unicode case folding. Two nicks denote the
// same user when their keys are equal ("Bob", "bob" and "BOB" do).
// A hub with owned nicks compares [NickIdentity] values instead.
func NickKey(nick string) string {
	return cases.Fold().String(norm.NFC.String(nick))
}

// ValidFileName reports whether name is acceptable as the name of a shared
// file: one path element of 1–250 bytes of UTF-8 text, with no '/', '\',
// NUL or other control characters, not "." or "..", not starting with '.',
// and with no character that changes how text is displayed (see
// [IsDisplayControl]). The error is a bad-name *Error saying what is wrong.
//
// Names are stored and compared in NFC; [FileNameKey] is the form under
// which two names are the same.
func ValidFileName(name string) error {
	bad := func(format string, args ...any) error {
		return NewError(ReasonBadName, "", fmt.Sprintf(format, args...))
	}
	switch {
	case name == "":
		return bad("empty file name")
	case len(name) > MaxFileNameLen:
		return bad("file name of %d bytes is longer than %d bytes", len(name), MaxFileNameLen)
	case name == "." || name == "..":
		return bad("file name %q is not allowed", name)
	case name[0] == '.':
		return bad("file name %s starts with '.'", quoteInput(name))
	}
	if d := validText(name); d != "" {
		return bad("file name has %s", d)
	}
	if i := strings.IndexAny(name, `/\`); i >= 0 {
		return bad("file name %s contains %q at byte %d; a name is one path element", quoteInput(name), name[i], i)
	}
	if r, i, found := findDisplayControl(name); found {
		return bad("file name %s holds U+%04X at byte %d, which changes how text is displayed", quoteInput(name), r, i)
	}
	return nil
}

// FileNameKey returns the form under which file names are compared: NFC
// normalisation followed by Unicode case folding. A name whose key equals
// that of a file already there is taken ("Notes.txt" and "notes.TXT" are
// the same name).
func FileNameKey(name string) string {
	return cases.Fold().String(norm.NFC.String(name))
}

// IsDisplayControl reports whether r changes how text is displayed rather
// than what it says: the bidirectional controls U+061C, U+200E, U+200F,
// U+202A–U+202E and U+2066–U+2069, and the zero-width characters
// U+200B–U+200D, U+2060 and U+FEFF. natter/1 refuses them in file names,
// nicks and hub names, where they could make one name pass for another.
func IsDisplayControl(r rune) bool {
	switch {
	case r == 0x061C, r == 0x200E, r == 0x200F, 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069:
		return true
	case 0x200B <= r && r <= 0x200D, r == 0x2060, r == 0xFEFF:
		return true
	}
	return false
}

// findDisplayControl returns the first display control in s and its byte
// offset.
func findDisplayControl(s string) (rune, int, bool) {
	for i, r := range s {
		if IsDisplayControl(r) {
			return r, i, true
		}
	}
	return 0, 0, false
}

// ValidHubName reports whether name can be a hub's name in HELLO: valid
// text without display controls. The error is a bad-text *Error.
func ValidHubName(name string) error {
	if err := ValidText(name); err != nil {
		return err
	}
	if r, i, found := findDisplayControl(name); found {
		return NewError(ReasonBadText, "", fmt.Sprintf("hub name %s holds U+%04X at byte %d, which changes how text is displayed", quoteInput(name), r, i))
	}
	return nil
}

// ValidSHA256 reports whether s is a SHA-256 digest in natter/1 form:
// 64 lower-case hex digits.
func ValidSHA256(s string) error {
	if len(s) != 64 {
		return NewError(ReasonBadSyntax, "", fmt.Sprintf("sha256 %s is %d characters long, want 64 lower-case hex digits", quoteInput(s), len(s)))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return NewError(ReasonBadSyntax, "", fmt.Sprintf("sha256 has %s at position %d, want lower-case hex digits", describeByte(c), i))
		}
	}
	return nil
}

// QuoteInput quotes s, a piece of a client's input, for the detail of an
// error: quoted as strconv.Quote does and cut to its first 48 bytes (at a
// character boundary, marked with "…"), so that an error about a long input
// stays short whatever the input holds.
func QuoteInput(s string) string { return quoteInput(s) }

// quoteInput quotes s for an error detail, shortened so that an error about
// a long input stays short.
func quoteInput(s string) string {
	const max = 48
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}

func describeRune(r rune) string {
	if r == ' ' {
		return "a space"
	}
	if unicode.IsPrint(r) {
		return fmt.Sprintf("%q (U+%04X)", r, r)
	}
	return fmt.Sprintf("U+%04X", r)
}

func describeByte(c byte) string {
	if c < utf8.RuneSelf {
		return describeRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}
