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

func publicForms(forms []form) []Form {
	out := make([]Form, len(forms))
	for i := range forms {
		out[i] = forms[i].Form
	}
	return out
}

// form is one row of a table: a Form and how to read and write the
// arguments of its line.
//
// Parsing fills an array of values, one per argument, which Command and
// Event then copy into their fields (and formatting the other way round):
// the codec itself knows no field, and a parsed value stays on the stack.
type form struct {
	Form
	args []arg
}

// maxArgs is the most arguments a form has (GET and SHARED from a hub).
const maxArgs = 5

// values holds the arguments of one line, in the order of its form.
type values [maxArgs]value

type value struct {
	s   string // words and texts; for a body the unescaped text
	raw string // a body as on the wire
	n   int64  // numbers
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
	argFlags                       // an optional last word of letters (USER, JOIN, WELCOME flags)
)

// field names the field of a Command or an Event an argument goes to.
type field uint8

const (
	fNone field = iota
	fNick
	fNewNick
	fTo
	fText
	fEscaped
	fVersion
	fName
	fSHA256
	fToken
	fReason
	fTime
	fSize
	fMTime
	fOffset
	fCount
	fTotal
	fPort
	fErrCode
	fErrKeyword
	fErrReason
	fErrDetail
	fFlags
)

// noArg is the index of no argument, for arg.fallback and arg.atLeast.
const noArg = -1

// arg is one argument of a form.
type arg struct {
	kind  argKind
	what  string // its name, in Syntax and in errors
	field field
	raw   field // argBody: where the body as on the wire is kept, or fNone

	// For numbers: the range; and for an optional last number, whether 0
	// is left out when written, and which earlier argument it is read as
	// when missing (else 0).
	min, max int64
	optional bool
	omitZero bool
	fallback int8
	// atLeast, when not noArg, is an earlier number this one may not be
	// below.
	atLeast int8

	// For an optional text: spaces alone are read as no text.
	spacesAreNone bool
}

func (a *arg) isRest() bool {
	switch a.kind {
	case argName, argBody, argText, argOptText, argCaps:
		return true
	}
	return false
}

func (a *arg) syntax() string {
	s := "<" + strings.ReplaceAll(a.what, " ", "-")
	if a.isRest() {
		s += "…"
	}
	s += ">"
	if a.optional || a.kind == argOptText || a.kind == argFlags {
		s = "[" + s + "]"
	}
	return s
}

// The constructors below make the rows of the tables short.

func strArg(kind argKind, what string, f field) arg {
	return arg{kind: kind, what: what, field: f, fallback: noArg, atLeast: noArg}
}

func word(what string, f field) arg       { return strArg(argWord, what, f) }
func wordOrDash(what string, f field) arg { return strArg(argWordOrDash, what, f) }
func shaArg(f field) arg                  { return strArg(argSHA256, "sha256", f) }
func nameArg(what string, f field) arg    { return strArg(argName, what, f) }
func textArg(what string, f field) arg    { return strArg(argText, what, f) }
func optTextArg(what string, f field) arg { return strArg(argOptText, what, f) }
func flagsArg() arg                       { return strArg(argFlags, "flags", fFlags) }

func bodyArg(text, raw field) arg {
	a := strArg(argBody, "message text", text)
	a.raw = raw
	return a
}

func numArg(what string, f field, min, max int64) arg {
	a := strArg(argNumber, what, f)
	a.min, a.max = min, max
	return a
}

func timeArg() arg  { return numArg("time", fTime, 0, maxInt64) }
func sizeArg() arg  { return numArg("size", fSize, 0, maxInt64) }
func countArg() arg { return numArg("count", fCount, 0, maxCount) }
func portArg() arg  { return numArg("udp port", fPort, 1, 65535) }

// newForms completes the rows of a table: their Syntax and Rest.
func newForms(forms []form) []form {
	for i := range forms {
		fm := &forms[i]
		if len(fm.args) > maxArgs {
			panic("proto: form " + fm.Keyword + " has more than maxArgs arguments")
		}
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
func lookupForm(forms []form, kw string) *form {
	for i := range forms {
		if k := forms[i].Keyword; len(k) == len(kw) && strings.EqualFold(k, kw) {
			return &forms[i]
		}
	}
	return nil
}

// exactForm returns the row of keyword kw, which must be in upper case, or
// an unknown-command *Error; what says which direction ("unknown command").
func exactForm(forms []form, kw, what string) (*form, error) {
	fm := lookupForm(forms, kw)
	if fm == nil || fm.Keyword != kw {
		return nil, NewError(ReasonUnknownCommand, echoKeyword(kw), what+" "+quoteInput(kw))
	}
	return fm, nil
}

// parse reads the arguments of a line into v. The line is valid text.
func (fm *form) parse(f *fields, v *values) error {
	for i := range fm.args {
		if err := fm.args[i].parse(f, v, i); err != nil {
			return err
		}
	}
	if !fm.Rest {
		if err := f.end(); err != nil {
			return err
		}
	}
	return fm.checkOrder(v)
}

// checkOrder checks the numbers that may not be below another.
func (fm *form) checkOrder(v *values) error {
	for i := range fm.args {
		a := &fm.args[i]
		if a.atLeast != noArg && v[i].n < v[a.atLeast].n {
			f := fields{kw: fm.Keyword}
			return f.syntaxErr("%s %d is less than the %s %d", a.what, v[i].n, fm.args[a.atLeast].what, v[a.atLeast].n)
		}
	}
	return nil
}

func (a *arg) parse(f *fields, vals *values, i int) error {
	v := &vals[i]
	var err error
	switch a.kind {
	case argWord:
		v.s, err = f.next(a.what)
	case argWordOrDash:
		if v.s, err = f.next(a.what); v.s == "-" {
			v.s = ""
		}
	case argNumber:
		return a.parseNumber(f, vals, i)
	case argSHA256:
		v.s, err = f.sha256(a.what)
	case argSHA256OrDash:
		if v.s, err = f.next(a.what); err == nil {
			if v.s == "-" {
				v.s = ""
			} else if err = ValidSHA256(v.s); err != nil {
				return err.(*Error).WithKeyword(f.kw)
			}
		}
	case argName:
		v.s, err = f.fileName(a.what)
	case argBody:
		if v.raw, err = f.rest(a.what); err == nil {
			v.s = Unescape(v.raw)
		}
	case argText:
		v.s, err = f.rest(a.what)
	case argOptText:
		// Spaces alone are no words where spacesAreNone says so.
		if v.s = f.optionalRest(); a.spacesAreNone && strings.Trim(v.s, " ") == "" {
			v.s = ""
		}
	case argCaps:
		if v.s, err = f.rest(a.what); err == nil {
			if _, err = ParseCaps(v.s); err != nil {
				return err.(*Error).WithKeyword(f.kw)
			}
		}
	case argFlags:
		if !f.more {
			return nil
		}
		if v.s, err = f.next(a.what); err == nil && !isLetters(v.s) {
			return f.syntaxErr("%s %s is not a word of letters", a.what, quoteInput(v.s))
		}
	}
	return err
}

// isLetters reports whether s is a word of ASCII letters, as flags are.
func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return s != ""
}

func (a *arg) parseNumber(f *fields, vals *values, i int) error {
	v := &vals[i]
	if a.optional && !f.more {
		if a.fallback != noArg {
			v.n = vals[a.fallback].n
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
	if v.n, err = f.parseUint(a.what, s, a.max); err != nil {
		return err
	}
	if v.n < a.min {
		return f.syntaxErr("%s", a.belowMin(v.n))
	}
	return nil
}

func (a *arg) belowMin(n int64) string {
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

// validate reports whether v can be written as fm's line.
func (fm *form) validate(v *values) error {
	for i := range fm.args {
		if err := fm.args[i].validate(fm.Keyword, v, i); err != nil {
			return err
		}
	}
	return fm.checkOrder(v)
}

func (a *arg) validate(kw string, vals *values, i int) error {
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
	v := &vals[i]
	s := v.s
	switch a.kind {
	case argNumber:
		switch n := v.n; {
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
	case argFlags:
		if s != "" && !isLetters(s) {
			return bad("%s %s is not a word of letters", a.what, quoteInput(s))
		}
	}
	return nil
}

func (a *arg) validateBody(kw string, v *value) error {
	f := fields{kw: kw}
	if v.s == "" {
		return f.syntaxErr("missing %s", a.what)
	}
	if err := ValidBody(v.s); err != nil {
		return err.(*Error).WithKeyword(kw)
	}
	if v.raw == "" {
		return nil
	}
	if err := ValidText(v.raw); err != nil {
		return err.(*Error).WithKeyword(kw)
	}
	if Unescape(v.raw) != v.s {
		return f.syntaxErr("escaped text %s is not the message text", quoteInput(v.raw))
	}
	return nil
}

// appendLine appends the line of v, LF included; v is valid.
func (fm *form) appendLine(dst []byte, v *values) []byte {
	dst = append(dst, fm.Keyword...)
	for i := range fm.args {
		a, v := &fm.args[i], &v[i]
		switch a.kind {
		case argNumber:
			if v.n == 0 && a.omitZero {
				continue
			}
			dst = append(dst, ' ')
			dst = strconv.AppendInt(dst, v.n, 10)
		case argBody:
			dst = append(dst, ' ')
			if v.raw != "" {
				dst = append(dst, v.raw...)
			} else {
				dst = AppendEscaped(dst, v.s)
			}
		case argWordOrDash, argSHA256OrDash:
			dst = append(dst, ' ')
			dst = appendOrDash(dst, v.s)
		case argOptText, argFlags:
			if v.s != "" {
				dst = append(dst, ' ')
				dst = append(dst, v.s...)
			}
		default:
			dst = append(dst, ' ')
			dst = append(dst, v.s...)
		}
	}
	return append(dst, '\n')
}

// check reports whether v can be written as fm's line of at most limit
// bytes; what names the kind of line in a line-too-long *Error.
func (fm *form) check(v *values, limit int, what string) error {
	if err := fm.validate(v); err != nil {
		return err
	}
	return fm.checkLen(v, limit, what)
}

// checkLen reports a line-too-long *Error when the line of v would be
// longer than limit; what names the kind of line in the error.
func (fm *form) checkLen(v *values, limit int, what string) error {
	// An upper bound first, cheap to compute, so that most lines need not
	// be encoded to be measured.
	n := len(fm.Keyword) + 1
	for i := range fm.args {
		n += 2 + 20 + 2*len(v[i].s) + len(v[i].raw)
	}
	if n <= limit {
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
