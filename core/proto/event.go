package proto

import (
	"strconv"
)

// Event is one line from the hub to a client. Keyword says which; the other
// fields are set as the keyword's form has them:
//
//	HELLO natter/1 <hub-name…>                          Version, Text
//	CAPS <cap> [<cap>…]                                 Text (the words; see Capabilities)
//	WELCOME <nick> [<flags>]                            Nick, Flags
//	USERS <n>, HISTORY <n>                              Count
//	FILES <n> <total>                                   Count, Total
//	USER <nick> [<flags>]                               Nick, Flags
//	JOIN <time> <nick> [<flags>]                        Time, Nick, Flags
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
//	CLAIMED <nick>, UNCLAIMED <nick>                    Nick
//	KEPT <time> <nick>                                  Time, Nick (the recipient)
//	INBOX <n>                                           Count (PRIV lines follow)
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
	Flags   string // WELCOME, USER, JOIN: letters, "" for none; see [FlagOwned]
}

// Owned reports whether ev's flags say its nick is owned and its owner is
// the one connected.
func (ev *Event) Owned() bool { return HasFlag(ev.Flags, FlagOwned) }

// hubForms is the table of the keywords a hub may send.
var hubForms = newForms([]form{
	{Form: Form{Keyword: KwHello}, args: []arg{word("version", fVersion), optTextArg("hub name", fText)}},
	{Form: Form{Keyword: KwCaps}, args: []arg{strArg(argCaps, "cap", fText)}},
	{Form: Form{Keyword: KwWelcome}, args: []arg{word("nick", fNick), flagsArg()}},
	{Form: Form{Keyword: KwUsers, Item: KwUser}, args: []arg{countArg()}},
	{Form: Form{Keyword: KwUser}, args: []arg{word("nick", fNick), flagsArg()}},
	{Form: Form{Keyword: KwHistory, Item: KwMsg}, args: []arg{countArg()}},
	{Form: Form{Keyword: KwFound, Item: KwMsg}, args: []arg{countArg()}},
	// A hub that predates the total lists all its files at once.
	{Form: Form{Keyword: KwFiles, Item: KwFile}, args: []arg{countArg(), atLeast(optionalNumber(numArg("total", fTotal, 0, maxCount), 0, false), 0)}},
	{Form: Form{Keyword: KwFile}, args: []arg{sizeArg(), strArg(argSHA256OrDash, "sha256", fSHA256), numArg("mtime", fMTime, 0, maxInt64), nameArg("file name", fName)}},
	{Form: Form{Keyword: KwJoin}, args: []arg{timeArg(), word("nick", fNick), flagsArg()}},
	{Form: Form{Keyword: KwRename}, args: []arg{timeArg(), word("old nick", fNick), word("new nick", fNewNick)}},
	{Form: Form{Keyword: KwLeave}, args: []arg{timeArg(), word("nick", fNick), textArg("reason", fReason)}},
	{Form: Form{Keyword: KwMsg}, args: []arg{timeArg(), word("sender nick", fNick), bodyArg(fText, fNone)}},
	{Form: Form{Keyword: KwPriv}, args: []arg{timeArg(), word("sender nick", fNick), word("recipient nick", fTo), bodyArg(fText, fNone)}},
	{Form: Form{Keyword: KwGet}, args: []arg{word("token", fToken), portArg(), sizeArg(), shaArg(fSHA256), nameArg("file name", fName)}},
	{Form: Form{Keyword: KwPut}, args: []arg{word("token", fToken), portArg(), nameArg("stored file name", fName)}},
	{Form: Form{Keyword: KwShared}, args: []arg{timeArg(), wordOrDash("sender nick", fNick), sizeArg(), shaArg(fSHA256), nameArg("file name", fName)}},
	{Form: Form{Keyword: KwUnshared}, args: []arg{timeArg(), nameArg("file name", fName)}},
	{Form: Form{Keyword: KwErr}, args: []arg{numArg("code", fErrCode, 100, 999), wordOrDash("keyword", fErrKeyword), word("reason", fErrReason), optTextArg("detail", fErrDetail)}},
	{Form: Form{Keyword: KwBye}, args: []arg{textArg("reason", fReason)}},
	{Form: Form{Keyword: KwPing}, args: []arg{word("token", fToken)}},
	{Form: Form{Keyword: KwPong}, args: []arg{word("token", fToken)}},
	// Owned nicks and the messages kept for them.
	{Form: Form{Keyword: KwClaimed}, args: []arg{word("nick", fNick)}},
	{Form: Form{Keyword: KwUnclaimed}, args: []arg{word("nick", fNick)}},
	{Form: Form{Keyword: KwKept}, args: []arg{timeArg(), word("recipient nick", fNick)}},
	{Form: Form{Keyword: KwInbox, Item: KwPriv}, args: []arg{countArg()}},
})

// atLeast makes a a number that may not be below the argument at index i.
func atLeast(a arg, i int8) arg {
	a.atLeast = i
	return a
}

// str returns the string field f of ev, or nil.
func (ev *Event) str(f field) *string {
	switch f {
	case fNick:
		return &ev.Nick
	case fNewNick:
		return &ev.NewNick
	case fTo:
		return &ev.To
	case fText:
		return &ev.Text
	case fVersion:
		return &ev.Version
	case fName:
		return &ev.Name
	case fSHA256:
		return &ev.SHA256
	case fToken:
		return &ev.Token
	case fReason:
		return &ev.Reason
	case fErrKeyword:
		return &ev.Err.Keyword
	case fErrReason:
		return &ev.Err.Reason
	case fErrDetail:
		return &ev.Err.Detail
	case fFlags:
		return &ev.Flags
	}
	return nil
}

// load copies ev's fields into the values of fm's arguments.
func (ev *Event) load(fm *form, v *values) {
	for i := range fm.args {
		f := fm.args[i].field
		switch f {
		case fTime:
			v[i].n = ev.Time
		case fSize:
			v[i].n = ev.Size
		case fMTime:
			v[i].n = ev.MTime
		case fCount:
			v[i].n = int64(ev.Count)
		case fTotal:
			v[i].n = int64(ev.Total)
		case fPort:
			v[i].n = int64(ev.Port)
		case fErrCode:
			v[i].n = int64(ev.Err.Code)
		default:
			if p := ev.str(f); p != nil {
				v[i].s = *p
			}
		}
	}
}

// store copies the values of fm's arguments into ev's fields; the numbers
// are within the ranges of their forms.
func (ev *Event) store(fm *form, v *values) {
	for i := range fm.args {
		f := fm.args[i].field
		switch f {
		case fTime:
			ev.Time = v[i].n
		case fSize:
			ev.Size = v[i].n
		case fMTime:
			ev.MTime = v[i].n
		case fCount:
			ev.Count = int(v[i].n)
		case fTotal:
			ev.Total = int(v[i].n)
		case fPort:
			ev.Port = int(v[i].n)
		case fErrCode:
			ev.Err.Code = int(v[i].n)
		default:
			if p := ev.str(f); p != nil {
				*p = v[i].s
			}
		}
	}
}

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
	var v values
	if err := fm.parse(&f, &v); err != nil {
		return ev, err
	}
	ev.store(fm, &v)
	return ev, nil
}

// Validate reports whether ev can be written as a valid line: a known hub
// keyword and the fields its form needs, each valid, and a line of at most
// [MaxHubLineLen] bytes once encoded (else a line-too-long *Error).
func (ev *Event) Validate() error {
	var v values
	_, err := ev.checked(&v)
	return err
}

// checked fills v with the values of the arguments of ev and returns its
// form, when ev is valid.
func (ev *Event) checked(v *values) (*form, error) {
	fm, err := exactForm(hubForms, ev.Keyword, "unknown hub line")
	if err == nil {
		ev.load(fm, v)
		err = fm.check(v, MaxHubLineLen, "a hub line")
	}
	return fm, err
}

// Append validates ev and appends its line, LF included, to dst.
func (ev *Event) Append(dst []byte) ([]byte, error) {
	var v values
	fm, err := ev.checked(&v)
	if err != nil {
		return dst, err
	}
	return fm.appendLine(dst, &v), nil
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

// AppendFound appends `FOUND <n>`.
func AppendFound(dst []byte, n int) []byte { return appendCount(dst, "FOUND ", n) }

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
