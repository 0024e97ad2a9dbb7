package proto

import (
	"fmt"
	"strconv"
	"strings"
)

// fields walks the arguments of one line, after its keyword.
type fields struct {
	kw   string // keyword, for errors
	s    string // what is left of the line
	more bool   // whether there is another argument (s may be empty when the line ends in a space)
}

func newFields(kw, args string, hasArgs bool) fields {
	return fields{kw: kw, s: args, more: hasArgs}
}

func (f *fields) syntaxErr(format string, args ...any) *Error {
	return NewError(ReasonBadSyntax, f.kw, fmt.Sprintf(format, args...))
}

// next returns the next space-separated argument, which must not be empty.
func (f *fields) next(what string) (string, error) {
	if !f.more {
		return "", f.syntaxErr("missing %s", what)
	}
	arg, rest, found := strings.Cut(f.s, " ")
	if arg == "" {
		return "", f.syntaxErr("empty %s (arguments are separated by single spaces)", what)
	}
	f.s, f.more = rest, found
	return arg, nil
}

// rest returns the rest of the line, which must not be empty.
func (f *fields) rest(what string) (string, error) {
	if !f.more || f.s == "" {
		return "", f.syntaxErr("missing %s", what)
	}
	s := f.s
	f.s, f.more = "", false
	return s, nil
}

// optionalRest returns the rest of the line, possibly empty.
func (f *fields) optionalRest() string {
	s := f.s
	f.s, f.more = "", false
	return s
}

// end reports an error if arguments are left.
func (f *fields) end() error {
	if f.more {
		if f.s == "" {
			return f.syntaxErr("trailing space")
		}
		return f.syntaxErr("unexpected argument %s", quoteInput(f.s))
	}
	return nil
}

// parseUint parses s, the argument what, as a decimal number in [0, max].
func (f *fields) parseUint(what, s string, max int64) (int64, error) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, f.syntaxErr("%s %s is not a decimal number", what, quoteInput(s))
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > max {
		return 0, f.syntaxErr("%s %s is out of range (at most %d)", what, quoteInput(s), max)
	}
	return n, nil
}

func (f *fields) sha256(what string) (string, error) {
	s, err := f.next(what)
	if err != nil {
		return "", err
	}
	if err := ValidSHA256(s); err != nil {
		return "", err.(*Error).WithKeyword(f.kw)
	}
	return s, nil
}

func (f *fields) fileName(what string) (string, error) {
	s, err := f.rest(what)
	if err != nil {
		return "", err
	}
	if err := ValidFileName(s); err != nil {
		return "", err.(*Error).WithKeyword(f.kw)
	}
	return s, nil
}

// splitKeyword splits a line into its keyword and arguments.
func splitKeyword(line string) (kw, args string, hasArgs bool) {
	return strings.Cut(line, " ")
}

// echoKeyword returns the upper-case form of an unknown keyword for an ERR
// line when it looks like a keyword (1–16 ASCII letters), else "".
func echoKeyword(kw string) string {
	if len(kw) == 0 || len(kw) > 16 {
		return ""
	}
	for i := 0; i < len(kw); i++ {
		c := kw[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return ""
		}
	}
	return strings.ToUpper(kw)
}

const (
	maxInt64 = 1<<63 - 1
	maxCount = 1<<31 - 1
)
