package proto

import (
	"strconv"
)

// Event is one line from the hub to a client. Keyword says which; the other
// fields are set as the keyword's form has them:
//
//	HELLO natter/1 <hub-name…>                          Version, Text
//	CAPS <cap> [<cap>…]                                 Text (the words; see Capabilities)
//	WELCOME <nick>                                      Nick
//	USERS <n>, HISTORY <n>                              Count
//	FILES <n> <total>                                   Count, Total
//	USER <nick>                                         Nick
//	JOIN <time> <nick>                                  Time, Nick
//	RENAME <time> <old> <new>                           Time, Nick, NewNick
//	LEAVE <time> <nick> <reason…>                       Time, Nick, Reason
//	MSG <time> <from> <text…>                           Time, Nick, Text
//	PRIV <time> <from> <to> <text…>                     Time, Nick, To, Text
//	FILE <size> <sha256 or -> <mtime> <name…>           Size, SHA256 ("" for -), MTime, Name
//	GET <token> <udp-port> <size> <sha256> <name…>      Token, Port, Size, SHA256, Name
//	PUT <token> <udp-port> <stored-name…>               Token, Port, Name
//	SHARED <time> <from or -> <size> <sha256> <name…>   Time, Nick ("" for -), Size, SHA256, Name
//	UNSHARED <time> <name…>                             Time, Name
//	ERR <code> <keyword or -> <reason> [<detail…>]      Err
//	BYE <reason…>                                       Reason
//	PING <token>, PONG <token>                          Token
//
// Times are Unix milliseconds. A `FILES <n>` line without its total, from a
// hub that predates it, is read with Total = Count.
type Event struct {
	Keyword string // one of the Kw constants, upper case
	Time    int64  // Unix milliseconds, set by the hub
	Nick    string // WELCOME, USER, JOIN, LEAVE: the user; RENAME: old nick; MSG, PRIV, SHARED: sender
	NewNick string // RENAME: new nick
	To      string // PRIV: recipient
	Text    string // MSG, PRIV: body, unescaped; HELLO: hub name; CAPS: the capability words
	Version string // HELLO: protocol version
	Count   int    // USERS, HISTORY, FILES: number of lines that follow
	Total   int    // FILES: number of shared files, of which the lines that follow are a page
	Size    int64  // FILE, GET, SHARED: bytes
	SHA256  string // FILE ("" while unknown), GET, SHARED
	MTime   int64  // FILE: modification time, Unix milliseconds
	Name    string // FILE, GET, SHARED, UNSHARED: file name; PUT: the name the upload is stored under
	Token   string // GET, PUT: transfer token; PING, PONG
	Port    int    // GET, PUT: the hub's UDP port for the transfer
	Reason  string // LEAVE, BYE
	Err     Error  // ERR
}

// hubForms is the table of the keywords a hub may send.
var hubForms = newForms([]form[Event]{
	{Form: Form{Keyword: KwHello}, args: []arg[Event]{word("version", func(e *Event) *string { return &e.Version }), optTextArg("hub name", evText)}},
	{Form: Form{Keyword: KwCaps}, args: []arg[Event]{strArg(argCaps, "cap", evText)}},
	{Form: Form{Keyword: KwWelcome}, args: []arg[Event]{word("nick", evNick)}},
	{Form: Form{Keyword: KwUsers, Item: KwUser}, args: []arg[Event]{countArg(evCount)}},
	{Form: Form{Keyword: KwUser}, args: []arg[Event]{word("nick", evNick)}},
	{Form: Form{Keyword: KwHistory, Item: KwMsg}, args: []arg[Event]{countArg(evCount)}},
	{Form: Form{Keyword: KwFiles, Item: KwFile},
		args: []arg[Event]{countArg(evCount),
			optional(intArg("total", 0, maxCount, func(e *Event) *int { return &e.Total }), func(e *Event) int64 { return int64(e.Count) }, false)},
		check: func(e *Event) error {
			if e.Total < e.Count {
				f := fields{kw: KwFiles}
				return f.syntaxErr("total %d is less than the count %d of the lines that follow", e.Total, e.Count)
			}
			return nil
		}},
	{Form: Form{Keyword: KwFile},
		args: []arg[Event]{sizeArg(evSize), strArg(argSHA256OrDash, "sha256", evSHA256), int64Arg("mtime", 0, maxInt64, func(e *Event) *int64 { return &e.MTime }), nameArg("file name", evName)}},
	{Form: Form{Keyword: KwJoin}, args: []arg[Event]{timeArg(evTime), word("nick", evNick)}},
	{Form: Form{Keyword: KwRename}, args: []arg[Event]{timeArg(evTime), word("old nick", evNick), word("new nick", func(e *Event) *string { return &e.NewNick })}},
	{Form: Form{Keyword: KwLeave}, args: []arg[Event]{timeArg(evTime), word("nick", evNick), textArg("reason", evReason)}},
	{Form: Form{Keyword: KwMsg}, args: []arg[Event]{timeArg(evTime), word("sender nick", evNick), bodyArg(evText, nil)}},
	{Form: Form{Keyword: KwPriv}, args: []arg[Event]{timeArg(evTime), word("sender nick", evNick), word("recipient nick", func(e *Event) *string { return &e.To }), bodyArg(evText, nil)}},
	{Form: Form{Keyword: KwGet}, args: []arg[Event]{word("token", evToken), portArg(evPort), sizeArg(evSize), shaArg(evSHA256), nameArg("file name", evName)}},
	{Form: Form{Keyword: KwPut}, args: []arg[Event]{word("token", evToken), portArg(evPort), nameArg("stored file name", evName)}},
	{Form: Form{Keyword: KwShared}, args: []arg[Event]{timeArg(evTime), wordOrDash("sender nick", evNick), sizeArg(evSize), shaArg(evSHA256), nameArg("file name", evName)}},
	{Form: Form{Keyword: KwUnshared}, args: []arg[Event]{timeArg(evTime), nameArg("file name", evName)}},
	{Form: Form{Keyword: KwErr}, args: []arg[Event]{
		intArg("code", 100, 999, func(e *Event) *int { return &e.Err.Code }),
		wordOrDash("keyword", func(e *Event) *string { return &e.Err.Keyword }),
		word("reason", func(e *Event) *string { return &e.Err.Reason }),
		optTextArg("detail", func(e *Event) *string { return &e.Err.Detail })}},
	{Form: Form{Keyword: KwBye}, args: []arg[Event]{textArg("reason", evReason)}},
	{Form: Form{Keyword: KwPing}, args: []arg[Event]{word("token", evToken)}},
	{Form: Form{Keyword: KwPong}, args: []arg[Event]{word("token", evToken)}},
})

func evTime(e *Event) *int64    { return &e.Time }
func evNick(e *Event) *string   { return &e.Nick }
func evText(e *Event) *string   { return &e.Text }
func evCount(e *Event) *int     { return &e.Count }
func evSize(e *Event) *int64    { return &e.Size }
func evSHA256(e *Event) *string { return &e.SHA256 }
func evName(e *Event) *string   { return &e.Name }
func evToken(e *Event) *string  { return &e.Token }
func evPort(e *Event) *int      { return &e.Port }
func evReason(e *Event) *string { return &e.Reason }

// EventKeyword returns the canonical (upper-case) keyword of a hub line, or
// "" when the line does not start with a known hub keyword.
func EventKeyword(line string) string {
	kw, _, _ := splitKeyword(line)
	if fm := lookupForm(hubForms, kw); fm != nil {
		return fm.Keyword
	}
	return ""
}

// ParseEvent parses one line from a hub, without its line terminator. The
// keyword is matched case-insensitively. On failure the error is an *Error
// saying what was wrong; the returned Event carries the recognised Keyword.
//
// A keyword this package does not know is an unknown-command *Error that
// matches [ErrUnknownKeyword]: a client skips such a line (natter/1 lets a
// hub add keywords), where any other error is a hub breaking the contract.
func ParseEvent(line string) (Event, error) {
	if line == "" {
		return Event{}, NewError(ReasonBadSyntax, "", "empty line")
	}
	word, args, hasArgs := splitKeyword(line)
	fm := lookupForm(hubForms, word)
	if fm == nil {
		return Event{}, unknownKeyword(word, "unknown hub line")
	}
	ev := Event{Keyword: fm.Keyword}
	if d := validText(args); d != "" {
		return ev, NewError(ReasonBadText, fm.Keyword, d+" of the arguments")
	}
	f := newFields(fm.Keyword, args, hasArgs)
	if err := fm.parse(&f, &ev); err != nil {
		return Event{Keyword: fm.Keyword}, err
	}
	return ev, nil
}

// Validate reports whether ev can be written as a valid line: a known hub
// keyword and the fields its form needs, each valid, and a line of at most
// [MaxHubLineLen] bytes once encoded (else a line-too-long *Error).
func (ev *Event) Validate() error {
	fm := lookupForm(hubForms, ev.Keyword)
	if fm == nil || fm.Keyword != ev.Keyword {
		return NewError(ReasonUnknownCommand, echoKeyword(ev.Keyword), "unknown hub line "+quoteInput(ev.Keyword))
	}
	if err := fm.validate(ev); err != nil {
		return err
	}
	return fm.checkLen(ev, MaxHubLineLen, "a hub line")
}

// Append validates ev and appends its line, LF included, to dst.
func (ev *Event) Append(dst []byte) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return dst, err
	}
	return lookupForm(hubForms, ev.Keyword).appendLine(dst, ev), nil
}

// String returns ev's line without its LF, or a description of why ev is
// not valid.
func (ev Event) String() string {
	b, err := ev.Append(nil)
	if err != nil {
		return "invalid hub line: " + err.Error()
	}
	return string(b[:len(b)-1])
}

// Capabilities returns the capabilities of a CAPS event, in the order sent.
func (ev *Event) Capabilities() []Capability {
	caps, _ := ParseCaps(ev.Text)
	return caps
}

// Capability returns the value of capability name in a CAPS event, and
// whether the hub offers it.
func (ev *Event) Capability(name string) (value string, ok bool) {
	for _, c := range ev.Capabilities() {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// The Append functions below write one hub line, LF included, to dst with
// no allocation beyond growing dst. They do not validate: the hub passes
// nicks, names and texts that it has parsed or checked itself. Message texts
// are unescaped bodies; the functions escape them.

// AppendHello appends `HELLO natter/1 <hubName>`.
func AppendHello(dst []byte, hubName string) []byte {
	dst = append(dst, "HELLO "+Version...)
	if hubName != "" {
		dst = append(dst, ' ')
		dst = append(dst, hubName...)
	}
	return append(dst, '\n')
}

// AppendWelcome appends `WELCOME <nick>`.
func AppendWelcome(dst []byte, nick string) []byte {
	return appendWord(dst, "WELCOME ", nick)
}

// AppendUser appends `USER <nick>`.
func AppendUser(dst []byte, nick string) []byte {
	return appendWord(dst, "USER ", nick)
}

// AppendUsers appends `USERS <n>`.
func AppendUsers(dst []byte, n int) []byte { return appendCount(dst, "USERS ", n) }

// AppendHistory appends `HISTORY <n>`.
func AppendHistory(dst []byte, n int) []byte { return appendCount(dst, "HISTORY ", n) }

// AppendFiles appends `FILES <n>`, the form before FILES had a total.
//
// Deprecated: natter/1 hubs send `FILES <n> <total>`; use [AppendFilesPage].
func AppendFiles(dst []byte, n int) []byte { return appendCount(dst, "FILES ", n) }

// AppendFilesPage appends `FILES <n> <total>`: n FILE lines follow, of total
// shared files.
func AppendFilesPage(dst []byte, n, total int) []byte {
	dst = append(dst, "FILES "...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(total), 10)
	return append(dst, '\n')
}

// AppendJoin appends `JOIN <time> <nick>`.
func AppendJoin(dst []byte, t int64, nick string) []byte {
	dst = appendTime(dst, "JOIN ", t)
	dst = append(dst, nick...)
	return append(dst, '\n')
}

// AppendRename appends `RENAME <time> <old> <new>`.
func AppendRename(dst []byte, t int64, oldNick, newNick string) []byte {
	dst = appendTime(dst, "RENAME ", t)
	dst = append(dst, oldNick...)
	dst = append(dst, ' ')
	dst = append(dst, newNick...)
	return append(dst, '\n')
}

// AppendLeave appends `LEAVE <time> <nick> <reason>`.
func AppendLeave(dst []byte, t int64, nick, reason string) []byte {
	dst = appendTime(dst, "LEAVE ", t)
	dst = append(dst, nick...)
	dst = append(dst, ' ')
	dst = append(dst, reason...)
	return append(dst, '\n')
}

// AppendMsg appends `MSG <time> <from> <text>`, escaping text.
func AppendMsg(dst []byte, t int64, from, text string) []byte {
	dst = appendTime(dst, "MSG ", t)
	dst = append(dst, from...)
	dst = append(dst, ' ')
	dst = AppendEscaped(dst, text)
	return append(dst, '\n')
}

// AppendPriv appends `PRIV <time> <from> <to> <text>`, escaping text.
func AppendPriv(dst []byte, t int64, from, to, text string) []byte {
	dst = appendTime(dst, "PRIV ", t)
	dst = append(dst, from...)
	dst = append(dst, ' ')
	dst = append(dst, to...)
	dst = append(dst, ' ')
	dst = AppendEscaped(dst, text)
	return append(dst, '\n')
}

// AppendMsgEscaped is AppendMsg for a text already in wire form, such as
// the body of a client's MSG line as received: it is written as it is.
func AppendMsgEscaped(dst []byte, t int64, from, escaped string) []byte {
	dst = appendTime(dst, "MSG ", t)
	dst = append(dst, from...)
	dst = append(dst, ' ')
	dst = append(dst, escaped...)
	return append(dst, '\n')
}

// AppendPrivEscaped is AppendPriv for a text already in wire form.
func AppendPrivEscaped(dst []byte, t int64, from, to, escaped string) []byte {
	dst = appendTime(dst, "PRIV ", t)
	dst = append(dst, from...)
	dst = append(dst, ' ')
	dst = append(dst, to...)
	dst = append(dst, ' ')
	dst = append(dst, escaped...)
	return append(dst, '\n')
}

// AppendFile appends `FILE <size> <sha256 or -> <mtime> <name>`; an empty
// sha256 is written as "-".
func AppendFile(dst []byte, size int64, sha256 string, mtime int64, name string) []byte {
	dst = append(dst, "FILE "...)
	dst = strconv.AppendInt(dst, size, 10)
	dst = append(dst, ' ')
	dst = appendOrDash(dst, sha256)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, mtime, 10)
	dst = append(dst, ' ')
	dst = append(dst, name...)
	return append(dst, '\n')
}

// AppendGetGrant appends `GET <token> <udp-port> <size> <sha256> <name>`.
func AppendGetGrant(dst []byte, token string, port int, size int64, sha256, name string) []byte {
	dst = append(dst, "GET "...)
	dst = append(dst, token...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(port), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, size, 10)
	dst = append(dst, ' ')
	dst = append(dst, sha256...)
	dst = append(dst, ' ')
	dst = append(dst, name...)
	return append(dst, '\n')
}

// AppendPutGrant appends `PUT <token> <udp-port> <stored-name>`.
func AppendPutGrant(dst []byte, token string, port int, storedName string) []byte {
	dst = append(dst, "PUT "...)
	dst = append(dst, token...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(port), 10)
	dst = append(dst, ' ')
	dst = append(dst, storedName...)
	return append(dst, '\n')
}

// AppendShared appends `SHARED <time> <from> <size> <sha256> <name>`; an
// empty from, for a file that appeared in the shared folder by other means
// than an upload, is written as "-".
func AppendShared(dst []byte, t int64, from string, size int64, sha256, name string) []byte {
	dst = appendTime(dst, "SHARED ", t)
	dst = appendOrDash(dst, from)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, size, 10)
	dst = append(dst, ' ')
	dst = append(dst, sha256...)
	dst = append(dst, ' ')
	dst = append(dst, name...)
	return append(dst, '\n')
}

// AppendUnshared appends `UNSHARED <time> <name>`.
func AppendUnshared(dst []byte, t int64, name string) []byte {
	dst = appendTime(dst, "UNSHARED ", t)
	dst = append(dst, name...)
	return append(dst, '\n')
}

// AppendErr appends `ERR <code> <keyword or -> <reason> [<detail>]` for a
// reason, with the code that goes with it.
func AppendErr(dst []byte, reason, keyword, detail string) []byte {
	e := Error{Code: ReasonCode(reason), Keyword: keyword, Reason: reason, Detail: detail}
	return e.AppendLine(dst)
}

// AppendBye appends `BYE <reason>`.
func AppendBye(dst []byte, reason string) []byte { return appendWord(dst, "BYE ", reason) }

// AppendPing appends `PING <token>`.
func AppendPing(dst []byte, token string) []byte { return appendWord(dst, "PING ", token) }

// AppendPong appends `PONG <token>`.
func AppendPong(dst []byte, token string) []byte { return appendWord(dst, "PONG ", token) }

func appendWord(dst []byte, prefix, word string) []byte {
	dst = append(dst, prefix...)
	dst = append(dst, word...)
	return append(dst, '\n')
}

func appendCount(dst []byte, prefix string, n int) []byte {
	dst = append(dst, prefix...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\n')
}

func appendTime(dst []byte, prefix string, t int64) []byte {
	dst = append(dst, prefix...)
	dst = strconv.AppendInt(dst, t, 10)
	return append(dst, ' ')
}
