package proto

import (
	"fmt"
)

// Command is one line from a client to the hub. Keyword says which; the
// other fields are set as the keyword's form has them:
//
//	NICK <nick>                     Nick
//	MSG <text…>                     Text, Escaped
//	PRIV <nick> <text…>             Nick (recipient), Text, Escaped
//	USERS                           -
//	FILES [<offset>]                Offset (0 when left out)
//	GET <name…>                     Name
//	PUT <size> <sha256> <name…>     Size, SHA256, Name
//	PING <token>, PONG <token>      Token
//	QUIT [<reason…>]                Reason (may be empty)
//	HISTORY <count> [<before>]      Count, Before (0 when left out: the newest)
//	SEARCH <words…>                 Text (the words, separated by spaces)
//	CLAIM, UNCLAIM                  -
type Command struct {
	Keyword string // one of the Kw constants, upper case
	Nick    string // NICK: the nick asked for; PRIV: the recipient
	Text    string // MSG, PRIV: message body, unescaped (may hold line breaks)
	// Escaped is the MSG or PRIV body as it is on the wire, set by
	// ParseCommand: a hub passes it on exactly as the client escaped it
	// (decoding and encoding again would turn a lone backslash into two).
	// When set, Append writes it as it is; it must unescape to Text.
	Escaped string
	Name    string // GET, PUT: file name
	Size    int64  // PUT: file size in bytes
	SHA256  string // PUT: 64 lower-case hex digits
	Offset  int64  // FILES: the first entry asked for, in name order
	Token   string // PING, PONG
	Reason  string // QUIT: the client's words, may be empty
	Count   int64  // HISTORY: the most messages asked for
	Before  int64  // HISTORY: messages stamped before this time; 0 for the newest
}

// clientForms is the table of the keywords a client may send.
var clientForms = newForms([]form{
	{Form: Form{Keyword: KwNick, BeforeRegistration: true, Answered: true}, args: []arg{word("nick", fNick)}},
	{Form: Form{Keyword: KwMsg, Answered: true}, args: []arg{bodyArg(fText, fEscaped)}},
	{Form: Form{Keyword: KwPriv, Answered: true}, args: []arg{word("recipient nick", fNick), bodyArg(fText, fEscaped)}},
	{Form: Form{Keyword: KwUsers, Answered: true}},
	{Form: Form{Keyword: KwFiles, Answered: true}, args: []arg{optionalNumber(numArg("offset", fOffset, 0, maxInt64), noArg, true)}},
	{Form: Form{Keyword: KwGet, Answered: true}, args: []arg{nameArg("file name", fName)}},
	{Form: Form{Keyword: KwPut, Answered: true}, args: []arg{sizeArg(), shaArg(fSHA256), nameArg("file name", fName)}},
	{Form: Form{Keyword: KwPing, BeforeRegistration: true}, args: []arg{word("token", fToken)}},
	{Form: Form{Keyword: KwPong, BeforeRegistration: true}, args: []arg{word("token", fToken)}},
	// Spaces alone are no words: such a client quits plainly.
	{Form: Form{Keyword: KwQuit, BeforeRegistration: true}, args: []arg{spacesAreNone(optTextArg("reason", fReason))}},
	// Paging back through the stored history, and searching it.
	{Form: Form{Keyword: KwHistory, Answered: true}, args: []arg{numArg("count", fCount, 1, maxCount), optionalNumber(numArg("before time", fTime, 1, maxInt64), noArg, true)}},
	{Form: Form{Keyword: KwSearch, Answered: true}, args: []arg{textArg("words", fText)}},
	// Owned nicks: answered CLAIMED, UNCLAIMED or an ERR.
	{Form: Form{Keyword: KwClaim, Answered: true}},
	{Form: Form{Keyword: KwUnclaim, Answered: true}},
})

// optionalNumber makes a an optional last number: read as the argument at
// index fallback (or 0) when missing, and left out when it is 0 and
// omitZero is set.
func optionalNumber(a arg, fallback int8, omitZero bool) arg {
	a.optional, a.fallback, a.omitZero = true, fallback, omitZero
	return a
}

func spacesAreNone(a arg) arg {
	a.spacesAreNone = true
	return a
}

// str returns the string field f of c, or nil.
func (c *Command) str(f field) *string {
	switch f {
	case fNick:
		return &c.Nick
	case fText:
		return &c.Text
	case fEscaped:
		return &c.Escaped
	case fName:
		return &c.Name
	case fSHA256:
		return &c.SHA256
	case fToken:
		return &c.Token
	case fReason:
		return &c.Reason
	}
	return nil
}

// load copies c's fields into the values of fm's arguments.
func (c *Command) load(fm *form, v *values) {
	for i := range fm.args {
		a := &fm.args[i]
		switch a.field {
		case fSize:
			v[i].n = c.Size
		case fOffset:
			v[i].n = c.Offset
		case fCount:
			v[i].n = c.Count
		case fTime:
			v[i].n = c.Before
		default:
			if p := c.str(a.field); p != nil {
				v[i].s = *p
			}
		}
		if p := c.str(a.raw); p != nil {
			v[i].raw = *p
		}
	}
}

// store copies the values of fm's arguments into c's fields.
func (c *Command) store(fm *form, v *values) {
	for i := range fm.args {
		a := &fm.args[i]
		switch a.field {
		case fSize:
			c.Size = v[i].n
		case fOffset:
			c.Offset = v[i].n
		case fCount:
			c.Count = v[i].n
		case fTime:
			c.Before = v[i].n
		default:
			if p := c.str(a.field); p != nil {
				*p = v[i].s
			}
		}
		if p := c.str(a.raw); p != nil {
			*p = v[i].raw
		}
	}
}

// CommandKeyword returns the canonical (upper-case) keyword of a client
// line, or "" when the line does not start with a known client keyword. It
// lets a hub classify a line (rate limits, register-first) before parsing it.
func CommandKeyword(line string) string {
	kw, _, _ := splitKeyword(line)
	if fm := lookupForm(clientForms, kw); fm != nil {
		return fm.Keyword
	}
	return ""
}

// ParseCommand parses one line from a client, without its line terminator.
// The keyword is matched case-insensitively. On failure the error is an
// *Error naming the keyword (when it was recognised) and what was wrong, and
// the returned Command still carries the recognised Keyword. An unknown
// keyword is an unknown-command *Error, which matches [ErrUnknownKeyword].
//
// PRIV's recipient is only checked to be a non-empty argument: a nick that
// is not online, valid or not, is the hub's no-such-user.
func ParseCommand(line string) (Command, error) {
	if line == "" {
		return Command{}, NewError(ReasonBadSyntax, "", "empty line")
	}
	word, args, hasArgs := splitKeyword(line)
	fm := lookupForm(clientForms, word)
	if fm == nil {
		return Command{}, unknownKeyword(word, "unknown command")
	}
	c := Command{Keyword: fm.Keyword}
	if d := validText(args); d != "" {
		return c, NewError(ReasonBadText, fm.Keyword, d+" of the arguments")
	}
	f := newFields(fm.Keyword, args, hasArgs)
	var v values
	if err := fm.parse(&f, &v); err != nil {
		return c, err
	}
	c.store(fm, &v)
	return c, nil
}

// Validate reports whether c can be written as a valid line: a known client
// keyword and the fields its form needs, each valid, and a line of at most
// [MaxLineLen] bytes once encoded (else a line-too-long *Error: a message
// that long must be shortened or split by the caller).
func (c *Command) Validate() error {
	var v values
	_, err := c.checked(&v)
	return err
}

// checked fills v with the values of the arguments of c and returns its
// form, when c is valid.
func (c *Command) checked(v *values) (*form, error) {
	fm, err := exactForm(clientForms, c.Keyword, "unknown command")
	if err == nil {
		c.load(fm, v)
		err = fm.check(v, MaxLineLen, "a client line")
	}
	return fm, err
}

// lineTooLong is the error for a line of n bytes over the limit max.
func lineTooLong(kw string, n, max int, what string) *Error {
	return NewError(ReasonLineTooLong, kw,
		fmt.Sprintf("the line would have %d bytes, terminator included, over the limit of %d for %s", n, max, what))
}

// Append validates c and appends its line, LF included, to dst.
func (c *Command) Append(dst []byte) ([]byte, error) {
	var v values
	fm, err := c.checked(&v)
	if err != nil {
		return dst, err
	}
	return fm.appendLine(dst, &v), nil
}

// String returns c's line without its LF, or a description of why c is not
// valid.
func (c Command) String() string {
	b, err := c.Append(nil)
	if err != nil {
		return "invalid command: " + err.Error()
	}
	return string(b[:len(b)-1])
}
