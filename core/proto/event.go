package proto

import (
	"strconv"
)

// eventKeywords are the keywords a hub may send.
var eventKeywords = []string{KwMsg, KwPriv, KwJoin, KwLeave, KwRename, KwPing, KwPong, KwErr,
	KwUser, KwUsers, KwHistory, KwWelcome, KwHello, KwFile, KwFiles, KwGet, KwPut, KwShared, KwBye}

// Event is one line from the hub to a client. Keyword says which; the other
// fields are set as the keyword's form has them:
//
//	HELLO natter/1 <hub-name…>                          Version, Text
//	WELCOME <nick>                                      Nick
//	USERS <n>, HISTORY <n>, FILES <n>                   Count
//	USER <nick>                                         Nick
//	JOIN <time> <nick>                                  Time, Nick
//	RENAME <time> <old> <new>                           Time, Nick, NewNick
//	LEAVE <time> <nick> <reason…>                       Time, Nick, Reason
//	MSG <time> <from> <text…>                           Time, Nick, Text
//	PRIV <time> <from> <to> <text…>                     Time, Nick, To, Text
//	FILE <size> <sha256 or -> <mtime> <name…>           Size, SHA256 ("" for -), MTime, Name
//	GET <token> <udp-port> <size> <sha256> <name…>      Token, Port, Size, SHA256, Name
//	PUT <token> <udp-port> <stored-name…>               Token, Port, Name
//	SHARED <time> <from> <size> <sha256> <name…>        Time, Nick, Size, SHA256, Name
//	ERR <code> <keyword or -> <reason> [<detail…>]      Err
//	BYE <reason…>                                       Reason
//	PING <token>, PONG <token>                          Token
//
// Times are Unix milliseconds.
type Event struct {
	Keyword string // one of the Kw constants, upper case
	Time    int64  // Unix milliseconds, set by the hub
	Nick    string // WELCOME, USER, JOIN, LEAVE: the user; RENAME: old nick; MSG, PRIV, SHARED: sender
	NewNick string // RENAME: new nick
	To      string // PRIV: recipient
	Text    string // MSG, PRIV: body, unescaped; HELLO: hub name
	Version string // HELLO: protocol version
	Count   int    // USERS, HISTORY, FILES: number of lines that follow
	Size    int64  // FILE, GET, SHARED: bytes
	SHA256  string // FILE ("" while unknown), GET, SHARED
	MTime   int64  // FILE: modification time, Unix milliseconds
	Name    string // FILE, GET, SHARED: file name; PUT: the name the upload is stored under
	Token   string // GET, PUT: transfer token; PING, PONG
	Port    int    // GET, PUT: the hub's UDP port for the transfer
	Reason  string // LEAVE, BYE
	Err     Error  // ERR
}

// ParseEvent parses one line from a hub, without its line terminator. The
// keyword is matched case-insensitively. On failure the error is an *Error
// saying what was wrong; the returned Event carries the recognised Keyword.
func ParseEvent(line string) (Event, error) {
	if line == "" {
		return Event{}, NewError(ReasonBadSyntax, "", "empty line")
	}
	word, args, hasArgs := splitKeyword(line)
	kw := lookupKeyword(word, eventKeywords)
	if kw == "" {
		detail := "unknown hub line"
		if e := echoKeyword(word); e != "" {
			detail = "unknown hub line " + e
		}
		return Event{}, NewError(ReasonUnknownCommand, echoKeyword(word), detail)
	}
	ev := Event{Keyword: kw}
	if d := validText(args); d != "" {
		return ev, NewError(ReasonBadText, kw, d+" of the arguments")
	}
	f := newFields(kw, args, hasArgs)
	if err := ev.parseArgs(&f); err != nil {
		return Event{Keyword: kw}, err
	}
	return ev, nil
}

func (ev *Event) parseArgs(f *fields) error {
	var err error
	count := func() error {
		var n int64
		if n, err = f.uint("count", maxCount); err != nil {
			return err
		}
		ev.Count = int(n)
		return f.end()
	}
	nick := func(dst *string, what string) error {
		*dst, err = f.next(what)
		return err
	}
	tm := func() error {
		ev.Time, err = f.uint("time", maxInt64)
		return err
	}
	port := func() error {
		var n int64
		if n, err = f.uint("udp port", 65535); err != nil {
			return err
		}
		if n == 0 {
			return f.syntaxErr("udp port 0")
		}
		ev.Port = int(n)
		return nil
	}
	switch ev.Keyword {
	case KwHello:
		if ev.Version, err = f.next("version"); err != nil {
			return err
		}
		ev.Text = f.optionalRest()
	case KwWelcome, KwUser:
		if err = nick(&ev.Nick, "nick"); err != nil {
			return err
		}
		return f.end()
	case KwUsers, KwHistory, KwFiles:
		return count()
	case KwJoin:
		if err = tm(); err != nil {
			return err
		}
		if err = nick(&ev.Nick, "nick"); err != nil {
			return err
		}
		return f.end()
	case KwRename:
		if err = tm(); err != nil {
			return err
		}
		if err = nick(&ev.Nick, "old nick"); err != nil {
			return err
		}
		if err = nick(&ev.NewNick, "new nick"); err != nil {
			return err
		}
		return f.end()
	case KwLeave:
		if err = tm(); err != nil {
			return err
		}
		if err = nick(&ev.Nick, "nick"); err != nil {
			return err
		}
		ev.Reason, err = f.rest("reason")
		return err
	case KwMsg, KwPriv:
		if err = tm(); err != nil {
			return err
		}
		if err = nick(&ev.Nick, "sender nick"); err != nil {
			return err
		}
		if ev.Keyword == KwPriv {
			if err = nick(&ev.To, "recipient nick"); err != nil {
				return err
			}
		}
		var raw string
		if raw, err = f.rest("message text"); err != nil {
			return err
		}
		ev.Text = Unescape(raw)
	case KwFile:
		if ev.Size, err = f.uint("size", maxInt64); err != nil {
			return err
		}
		var sum string
		if sum, err = f.next("sha256"); err != nil {
			return err
		}
		if sum != "-" {
			if err = ValidSHA256(sum); err != nil {
				return err.(*Error).WithKeyword(ev.Keyword)
			}
			ev.SHA256 = sum
		}
		if ev.MTime, err = f.uint("mtime", maxInt64); err != nil {
			return err
		}
		ev.Name, err = f.fileName("file name")
		return err
	case KwGet:
		if ev.Token, err = f.token("token"); err != nil {
			return err
		}
		if err = port(); err != nil {
			return err
		}
		if ev.Size, err = f.uint("size", maxInt64); err != nil {
			return err
		}
		if ev.SHA256, err = f.sha256("sha256"); err != nil {
			return err
		}
		ev.Name, err = f.fileName("file name")
		return err
	case KwPut:
		if ev.Token, err = f.token("token"); err != nil {
			return err
		}
		if err = port(); err != nil {
			return err
		}
		ev.Name, err = f.fileName("stored file name")
		return err
	case KwShared:
		if err = tm(); err != nil {
			return err
		}
		if err = nick(&ev.Nick, "sender nick"); err != nil {
			return err
		}
		if ev.Size, err = f.uint("size", maxInt64); err != nil {
			return err
		}
		if ev.SHA256, err = f.sha256("sha256"); err != nil {
			return err
		}
		ev.Name, err = f.fileName("file name")
		return err
	case KwErr:
		var code int64
		if code, err = f.uint("code", 999); err != nil {
			return err
		}
		if code < 100 {
			return f.syntaxErr("code %d is not three digits", code)
		}
		ev.Err.Code = int(code)
		var kw string
		if kw, err = f.next("keyword"); err != nil {
			return err
		}
		if kw != "-" {
			ev.Err.Keyword = kw
		}
		if ev.Err.Reason, err = f.next("reason"); err != nil {
			return err
		}
		ev.Err.Detail = f.optionalRest()
	case KwBye:
		ev.Reason, err = f.rest("reason")
		return err
	case KwPing, KwPong:
		if ev.Token, err = f.token("token"); err != nil {
			return err
		}
		return f.end()
	}
	return nil
}

// Validate reports whether ev can be written as a valid line: a known hub
// keyword and the fields its form needs, each valid, and a line of at most
// [MaxHubLineLen] bytes once encoded (else a line-too-long *Error).
func (ev *Event) Validate() error {
	if err := ev.validateFields(); err != nil {
		return err
	}
	if ev.maxLineLen() <= MaxHubLineLen {
		return nil
	}
	var n int
	if ev.Keyword == KwErr {
		// AppendLine would cut the detail; the event as given is too long.
		n = len("ERR 000 ") + max(1, len(ev.Err.Keyword)) + 1 + len(ev.Err.Reason) + 1
		if ev.Err.Detail != "" {
			n += 1 + len(ev.Err.Detail)
		}
	} else {
		n = len(ev.appendLine(nil))
	}
	if n > MaxHubLineLen {
		return lineTooLong(ev.Keyword, n, MaxHubLineLen, "a hub line")
	}
	return nil
}

// maxLineLen returns an upper bound of the length of ev's line, cheap to
// compute, so that most events need not be encoded to be measured.
func (ev *Event) maxLineLen() int {
	const numbers = 128 // keyword, spaces, times, sizes, ports, counts, code
	return numbers + len(ev.Nick) + len(ev.NewNick) + len(ev.To) + 2*len(ev.Text) + len(ev.Version) +
		len(ev.SHA256) + len(ev.Name) + len(ev.Token) + len(ev.Reason) +
		len(ev.Err.Keyword) + len(ev.Err.Reason) + len(ev.Err.Detail)
}

func (ev *Event) validateFields() error {
	kw := ev.Keyword
	bad := func(format string, args ...any) error {
		f := fields{kw: kw}
		return f.syntaxErr(format, args...)
	}
	tok := func(what, s string) error {
		if s == "" {
			return bad("missing %s", what)
		}
		if err := ValidText(s); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		for i := 0; i < len(s); i++ {
			if s[i] == ' ' {
				return bad("%s %s contains a space", what, quoteInput(s))
			}
		}
		return nil
	}
	text := func(what, s string, required bool) error {
		if required && s == "" {
			return bad("missing %s", what)
		}
		if err := ValidText(s); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	nonNeg := func(what string, n int64) error {
		if n < 0 {
			return bad("negative %s %d", what, n)
		}
		return nil
	}
	sha := func(s string) error {
		if err := ValidSHA256(s); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	name := func() error {
		if err := ValidFileName(ev.Name); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	port := func() error {
		if ev.Port < 1 || ev.Port > 65535 {
			return bad("udp port %d out of range", ev.Port)
		}
		return nil
	}
	first := func(errs ...error) error {
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
	switch kw {
	case KwHello:
		return first(tok("version", ev.Version), text("hub name", ev.Text, false))
	case KwWelcome, KwUser:
		return tok("nick", ev.Nick)
	case KwUsers, KwHistory, KwFiles:
		return nonNeg("count", int64(ev.Count))
	case KwJoin:
		return first(nonNeg("time", ev.Time), tok("nick", ev.Nick))
	case KwRename:
		return first(nonNeg("time", ev.Time), tok("old nick", ev.Nick), tok("new nick", ev.NewNick))
	case KwLeave:
		return first(nonNeg("time", ev.Time), tok("nick", ev.Nick), text("reason", ev.Reason, true))
	case KwMsg, KwPriv:
		err := first(nonNeg("time", ev.Time), tok("sender nick", ev.Nick))
		if err == nil && kw == KwPriv {
			err = tok("recipient nick", ev.To)
		}
		if err == nil && ev.Text == "" {
			err = bad("missing message text")
		}
		if err == nil {
			if e := ValidBody(ev.Text); e != nil {
				err = e.(*Error).WithKeyword(kw)
			}
		}
		return err
	case KwFile:
		err := first(nonNeg("size", ev.Size), nonNeg("mtime", ev.MTime))
		if err == nil && ev.SHA256 != "" {
			err = sha(ev.SHA256)
		}
		if err == nil {
			err = name()
		}
		return err
	case KwGet:
		return first(tok("token", ev.Token), port(), nonNeg("size", ev.Size), sha(ev.SHA256), name())
	case KwPut:
		return first(tok("token", ev.Token), port(), name())
	case KwShared:
		return first(nonNeg("time", ev.Time), tok("sender nick", ev.Nick), nonNeg("size", ev.Size), sha(ev.SHA256), name())
	case KwErr:
		e := ev.Err
		if e.Code < 100 || e.Code > 999 {
			return bad("code %d is not three digits", e.Code)
		}
		if e.Keyword != "" {
			if err := tok("keyword", e.Keyword); err != nil {
				return err
			}
		}
		return first(tok("reason", e.Reason), text("detail", e.Detail, false))
	case KwBye:
		return text("reason", ev.Reason, true)
	case KwPing, KwPong:
		return tok("token", ev.Token)
	}
	return NewError(ReasonUnknownCommand, echoKeyword(kw), "unknown hub line "+quoteInput(kw))
}

// Append validates ev and appends its line, LF included, to dst.
func (ev *Event) Append(dst []byte) ([]byte, error) {
	if err := ev.Validate(); err != nil {
		return dst, err
	}
	return ev.appendLine(dst), nil
}

// appendLine appends ev's line to dst; ev's fields are valid.
func (ev *Event) appendLine(dst []byte) []byte {
	switch ev.Keyword {
	case KwHello:
		dst = append(dst, "HELLO "...)
		dst = append(dst, ev.Version...)
		if ev.Text != "" {
			dst = append(dst, ' ')
			dst = append(dst, ev.Text...)
		}
		return append(dst, '\n')
	case KwWelcome:
		return AppendWelcome(dst, ev.Nick)
	case KwUser:
		return AppendUser(dst, ev.Nick)
	case KwUsers:
		return AppendUsers(dst, ev.Count)
	case KwHistory:
		return AppendHistory(dst, ev.Count)
	case KwFiles:
		return AppendFiles(dst, ev.Count)
	case KwJoin:
		return AppendJoin(dst, ev.Time, ev.Nick)
	case KwRename:
		return AppendRename(dst, ev.Time, ev.Nick, ev.NewNick)
	case KwLeave:
		return AppendLeave(dst, ev.Time, ev.Nick, ev.Reason)
	case KwMsg:
		return AppendMsg(dst, ev.Time, ev.Nick, ev.Text)
	case KwPriv:
		return AppendPriv(dst, ev.Time, ev.Nick, ev.To, ev.Text)
	case KwFile:
		return AppendFile(dst, ev.Size, ev.SHA256, ev.MTime, ev.Name)
	case KwGet:
		return AppendGetGrant(dst, ev.Token, ev.Port, ev.Size, ev.SHA256, ev.Name)
	case KwPut:
		return AppendPutGrant(dst, ev.Token, ev.Port, ev.Name)
	case KwShared:
		return AppendShared(dst, ev.Time, ev.Nick, ev.Size, ev.SHA256, ev.Name)
	case KwErr:
		return ev.Err.AppendLine(dst)
	case KwBye:
		return AppendBye(dst, ev.Reason)
	case KwPing:
		return AppendPing(dst, ev.Token)
	default: // KwPong
		return AppendPong(dst, ev.Token)
	}
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

// AppendFiles appends `FILES <n>`.
func AppendFiles(dst []byte, n int) []byte { return appendCount(dst, "FILES ", n) }

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
	if sha256 == "" {
		dst = append(dst, '-')
	} else {
		dst = append(dst, sha256...)
	}
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

// AppendShared appends `SHARED <time> <from> <size> <sha256> <name>`.
func AppendShared(dst []byte, t int64, from string, size int64, sha256, name string) []byte {
	dst = appendTime(dst, "SHARED ", t)
	dst = append(dst, from...)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, size, 10)
	dst = append(dst, ' ')
	dst = append(dst, sha256...)
	dst = append(dst, ' ')
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
