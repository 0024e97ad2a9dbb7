package proto

import (
	"strconv"
	"strings"
)

// Form describes one keyword in one direction: the arguments its line holds
// and how a session treats it. The two tables of this package, one for the
// client's keywords and one for the hub's, are where natter/1's forms are
// written down: ParseCommand, ParseEvent and the Append methods work from
// them, and a hub or a client asks them through [ClientForm] and [HubForm]
// rather than keeping lists of keywords of its own.
type Form struct {
	// Keyword is the keyword in upper case, as written on the wire.
	Keyword string
	// Syntax is the line's form, e.g. "LEAVE <time> <nick> <reason…>":
	// optional arguments in brackets, a rest-of-line argument marked "…".
	Syntax string
	// Rest says that the last argument is the rest of the line, spaces
	// included.
	Rest bool
	// BeforeRegistration says that a hub accepts this client keyword from a
	// session that has not registered yet (NICK, PING, PONG, QUIT).
	BeforeRegistration bool
	// Answered says that the hub answers this client keyword with a line for
	// this request (WELCOME or RENAME for NICK, the MSG echoed to its sender,
	// the PRIV confirmation, the USERS or FILES list, the GET or PUT grant)
	// or with an ERR naming the keyword, in the order the requests came, so
	// that a client can match answers to its requests. PING is not counted:
	// either end may ping, and a PONG carries its token to be matched by.
	Answered bool
	// Item is set for a hub line that starts a block (`USERS <n>`): the
	// keyword of the n lines that follow it.
	Item string
}

// Fields returns the names of f's arguments in order, as Syntax writes
// them: "time", "nick", "reason".
func (f Form) Fields() []string {
	words := strings.Fields(f.Syntax)[1:]
	for i, w := range words {
		words[i] = strings.Trim(w, "[<>]…")
	}
	return words
}

// ClientForm returns the form of a keyword a client may send, matched
// case-insensitively, and whether there is one.
func ClientForm(keyword string) (Form, bool) {
	if fm := lookupForm(clientForms, keyword); fm != nil {
		return fm.Form, true
	}
	return Form{}, false
}

// HubForm returns the form of a keyword a hub may send, matched
// case-insensitively, and whether there is one. A client ignores a hub line
// whose keyword has none.
func HubForm(keyword string) (Form, bool) {
	if fm := lookupForm(hubForms, keyword); fm != nil {
		return fm.Form, true
	}
	return Form{}, false
}

// ClientForms returns the forms of every keyword a client may send.
func ClientForms() []Form { return publicForms(clientForms) }

// HubForms returns the forms of every keyword a hub may send.
func HubForms() []Form { return publicForms(hubForms) }

func publicForms[T any](forms []form[T]) []Form {
	out := make([]Form, len(forms))
	for i := range forms {
		out[i] = forms[i].Form
	}
	return out
}

// form is one row of a table: a Form and how to read and write the
// arguments of its line into and from a T (a Command or an Event).
type form[T any] struct {
	Form
	args []arg[T]
	// after completes a parsed value; check validates what depends on more
	// than one argument. Both may be nil.
	after func(*T)
	check func(*T) error
}

// argKind says how an argument is written and checked.
type argKind uint8

const (
	argWord         argKind = iota // one word: a nick, a token, a version, a reason
	argWordOrDash                  // one word, or "-" for none ("")
	argNumber                      // a decimal number in [min, max]
	argSHA256                      // 64 lower-case hex digits
	argSHA256OrDash                // the same, or "-" while unknown ("")
	argName                        // rest of the line: a file name
	argBody                        // rest of the line: an escaped message body
	argText                        // rest of the line: text, not empty
	argOptText                     // rest of the line: text, possibly empty (and then left out)
	argCaps                        // rest of the line: capability words
)

// arg is one argument of a form and where its value lives in a T.
type arg[T any] struct {
	kind argKind
	what string // its name, in Syntax and in errors

	// For numbers: the range, and for an optional last number how it is
	// read when missing (fallback, or 0) and whether 0 is left out when
	// written (omitZero).
	min, max int64
	optional bool
	omitZero bool
	fallback func(*T) int64
	get      func(*T) int64
	set      func(*T, int64)

	str     func(*T) *string // every other kind: the field
	escaped func(*T) *string // argBody: where the body as on the wire is kept, if anywhere
}

func (a *arg[T]) isRest() bool {
	switch a.kind {
	case argName, argBody, argText, argOptText, argCaps:
		return true
	}
	return false
}

func (a *arg[T]) syntax() string {
	s := "<" + strings.ReplaceAll(a.what, " ", "-")
	if a.isRest() {
		s += "…"
	}
	s += ">"
	if a.optional || a.kind == argOptText {
		s = "[" + s + "]"
	}
	return s
}

// The constructors below make the rows of the tables short.

func strArg[T any](kind argKind, what string, p func(*T) *string) arg[T] {
	return arg[T]{kind: kind, what: what, str: p}
}

func word[T any](what string, p func(*T) *string) arg[T] { return strArg(argWord, what, p) }

func wordOrDash[T any](what string, p func(*T) *string) arg[T] {
	return strArg(argWordOrDash, what, p)
}

func int64Arg[T any](what string, min, max int64, p func(*T) *int64) arg[T] {
	return arg[T]{kind: argNumber, what: what, min: min, max: max,
		get: func(v *T) int64 { return *p(v) },
		set: func(v *T, n int64) { *p(v) = n }}
}

func intArg[T any](what string, min, max int64, p func(*T) *int) arg[T] {
	return arg[T]{kind: argNumber, what: what, min: min, max: max,
		get: func(v *T) int64 { return int64(*p(v)) },
		set: func(v *T, n int64) { *p(v) = int(n) }}
}

func timeArg[T any](p func(*T) *int64) arg[T] { return int64Arg("time", 0, maxInt64, p) }

func sizeArg[T any](p func(*T) *int64) arg[T] { return int64Arg("size", 0, maxInt64, p) }

func countArg[T any](p func(*T) *int) arg[T] { return intArg("count", 0, maxCount, p) }

func portArg[T any](p func(*T) *int) arg[T] { return intArg("udp port", 1, 65535, p) }

func shaArg[T any](p func(*T) *string) arg[T] { return strArg(argSHA256, "sha256", p) }

func nameArg[T any](what string, p func(*T) *string) arg[T] { return strArg(argName, what, p) }

func textArg[T any](what string, p func(*T) *string) arg[T] { return strArg(argText, what, p) }

func optTextArg[T any](what string, p func(*T) *string) arg[T] {
	return strArg(argOptText, what, p)
}

func bodyArg[T any](text, escaped func(*T) *string) arg[T] {
	return arg[T]{kind: argBody, what: "message text", str: text, escaped: escaped}
}

// newForms completes the rows of a table: their Syntax and Rest.
func newForms[T any](forms []form[T]) []form[T] {
	for i := range forms {
		fm := &forms[i]
		syntax := fm.Keyword
		for j := range fm.args {
			syntax += " " + fm.args[j].syntax()
		}
		fm.Syntax = syntax
		fm.Rest = len(fm.args) > 0 && fm.args[len(fm.args)-1].isRest()
	}
	return forms
}

// lookupForm returns the row of keyword kw, compared case-insensitively, or
// nil.
func lookupForm[T any](forms []form[T], kw string) *form[T] {
	for i := range forms {
		if k := forms[i].Keyword; len(k) == len(kw) && strings.EqualFold(k, kw) {
			return &forms[i]
		}
	}
	return nil
}

// parse reads the arguments of a line into v. The line is valid text.
func (fm *form[T]) parse(f *fields, v *T) error {
	for i := range fm.args {
		if err := fm.args[i].parse(f, v); err != nil {
			return err
		}
	}
	if !fm.Rest {
		if err := f.end(); err != nil {
			return err
		}
	}
	if fm.after != nil {
		fm.after(v)
	}
	if fm.check != nil {
		return fm.check(v)
	}
	return nil
}

func (a *arg[T]) parse(f *fields, v *T) error {
	var err error
	switch a.kind {
	case argWord:
		*a.str(v), err = f.next(a.what)
	case argWordOrDash:
		var s string
		if s, err = f.next(a.what); s != "-" {
			*a.str(v) = s
		}
	case argNumber:
		return a.parseNumber(f, v)
	case argSHA256:
		*a.str(v), err = f.sha256(a.what)
	case argSHA256OrDash:
		var s string
		if s, err = f.next(a.what); err == nil && s != "-" {
			if err = ValidSHA256(s); err != nil {
				return err.(*Error).WithKeyword(f.kw)
			}
			*a.str(v) = s
		}
	case argName:
		*a.str(v), err = f.fileName(a.what)
	case argBody:
		var raw string
		if raw, err = f.rest(a.what); err == nil {
			*a.str(v) = Unescape(raw)
			if a.escaped != nil {
				*a.escaped(v) = raw
			}
		}
	case argText:
		*a.str(v), err = f.rest(a.what)
	case argOptText:
		*a.str(v) = f.optionalRest()
	case argCaps:
		var s string
		if s, err = f.rest(a.what); err == nil {
			if _, err = ParseCaps(s); err != nil {
				return err.(*Error).WithKeyword(f.kw)
			}
			*a.str(v) = s
		}
	}
	return err
}

func (a *arg[T]) parseNumber(f *fields, v *T) error {
	if a.optional && !f.more {
		if a.fallback != nil {
			a.set(v, a.fallback(v))
		}
		return nil
	}
	s, err := f.next(a.what)
	if err != nil {
		return err
	}
	if a.optional && !isDecimal(s) {
		// The line has a word where only an optional number may be.
		return f.syntaxErr("unexpected argument %s (the optional %s is a decimal number)", quoteInput(s), a.what)
	}
	n, err := f.parseUint(a.what, s, a.max)
	if err != nil {
		return err
	}
	if n < a.min {
		return f.syntaxErr("%s", a.belowMin(n))
	}
	a.set(v, n)
	return nil
}

func (a *arg[T]) belowMin(n int64) string {
	if a.min == 100 && a.max == 999 {
		return a.what + " " + strconv.FormatInt(n, 10) + " is not three digits"
	}
	return a.what + " " + strconv.FormatInt(n, 10) + " is out of range (at least " + strconv.FormatInt(a.min, 10) + ")"
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validate reports whether v's fields can be written as fm's line.
func (fm *form[T]) validate(v *T) error {
	for i := range fm.args {
		if err := fm.args[i].validate(fm.Keyword, v); err != nil {
			return err
		}
	}
	if fm.check != nil {
		return fm.check(v)
	}
	return nil
}

func (a *arg[T]) validate(kw string, v *T) error {
	bad := func(format string, args ...any) error {
		f := fields{kw: kw}
		return f.syntaxErr(format, args...)
	}
	withKw := func(err error) error {
		if err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	switch a.kind {
	case argNumber:
		n := a.get(v)
		switch {
		case n == 0 && a.optional && a.omitZero:
		case n < 0:
			return bad("negative %s %d", a.what, n)
		case n < a.min:
			return bad("%s", a.belowMin(n))
		case n > a.max:
			return bad("%s %d is out of range (at most %d)", a.what, n, a.max)
		}
		return nil
	case argBody:
		return a.validateBody(kw, v)
	}
	s := *a.str(v)
	switch a.kind {
	case argWordOrDash:
		if s == "" {
			return nil
		}
		if s == "-" {
			return bad("%s %q would be read as none", a.what, s)
		}
		fallthrough
	case argWord:
		if s == "" {
			return bad("missing %s", a.what)
		}
		if err := ValidText(s); err != nil {
			return withKw(err)
		}
		if strings.IndexByte(s, ' ') >= 0 {
			return bad("%s %s contains a space", a.what, quoteInput(s))
		}
	case argSHA256OrDash:
		if s == "" {
			return nil
		}
		fallthrough
	case argSHA256:
		return withKw(ValidSHA256(s))
	case argName:
		return withKw(ValidFileName(s))
	case argText:
		if s == "" {
			return bad("missing %s", a.what)
		}
		return withKw(ValidText(s))
	case argOptText:
		return withKw(ValidText(s))
	case argCaps:
		_, err := ParseCaps(s)
		return withKw(err)
	}
	return nil
}

func (a *arg[T]) validateBody(kw string, v *T) error {
	text := *a.str(v)
	if text == "" {
		f := fields{kw: kw}
		return f.syntaxErr("missing %s", a.what)
	}
	if err := ValidBody(text); err != nil {
		return err.(*Error).WithKeyword(kw)
	}
	if a.escaped == nil {
		return nil
	}
	if esc := *a.escaped(v); esc != "" {
		if err := ValidText(esc); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		if Unescape(esc) != text {
			f := fields{kw: kw}
			return f.syntaxErr("escaped text %s is not the message text", quoteInput(esc))
		}
	}
	return nil
}

// appendLine appends v's line, LF included; v's fields are valid.
func (fm *form[T]) appendLine(dst []byte, v *T) []byte {
	dst = append(dst, fm.Keyword...)
	for i := range fm.args {
		a := &fm.args[i]
		switch a.kind {
		case argNumber:
			n := a.get(v)
			if n == 0 && a.omitZero {
				continue
			}
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, n, 10)
		case argBody:
			dst = append(dst, ' ')
			if a.escaped != nil && *a.escaped(v) != "" {
				dst = append(dst, *a.escaped(v)...)
			} else {
				dst = AppendEscaped(dst, *a.str(v))
			}
		case argWordOrDash, argSHA256OrDash:
			dst = append(dst, ' ')
			dst = appendOrDash(dst, *a.str(v))
		case argOptText:
			if s := *a.str(v); s != "" {
				dst = append(dst, ' ')
				dst = append(dst, s...)
			}
		default:
			dst = append(dst, ' ')
			dst = append(dst, *a.str(v)...)
		}
	}
	return append(dst, '\n')
}

// maxLineLen returns an upper bound of the length of v's line, cheap to
// compute, so that most lines need not be encoded to be measured.
func (fm *form[T]) maxLineLen(v *T) int {
	n := len(fm.Keyword) + 1
	for i := range fm.args {
		a := &fm.args[i]
		switch a.kind {
		case argNumber:
			n += 1 + 20
		case argBody:
			n += 1 + 2*len(*a.str(v))
			if a.escaped != nil {
				n += len(*a.escaped(v))
			}
		default:
			n += 2 + len(*a.str(v))
		}
	}
	return n
}

// checkLen reports a line-too-long *Error when v's line would be longer
// than limit; what names the kind of line in the error.
func (fm *form[T]) checkLen(v *T, limit int, what string) error {
	if fm.maxLineLen(v) <= limit {
		return nil
	}
	if n := len(fm.appendLine(nil, v)); n > limit {
		return lineTooLong(fm.Keyword, n, limit, what)
	}
	return nil
}

func appendOrDash(dst []byte, s string) []byte {
	if s == "" {
		return append(dst, '-')
	}
	return append(dst, s...)
}
