package proto

import (
	"fmt"
	"strconv"
	"strings"
)

// commandKeywords are the keywords a client may send.
var commandKeywords = []string{KwMsg, KwPriv, KwPing, KwPong, KwNick, KwUsers, KwFiles, KwGet, KwPut, KwQuit}

// Command is one line from a client to the hub. Keyword says which; the
// other fields are set as the keyword's form has them:
//
//	NICK <nick>                     Nick
//	MSG <text…>                     Text
//	PRIV <nick> <text…>             Nick (recipient), Text
//	USERS                           -
//	FILES                           -
//	GET <name…>                     Name
//	PUT <size> <sha256> <name…>     Size, SHA256, Name
//	PING <token>, PONG <token>      Token
//	QUIT [<reason…>]                Reason (may be empty)
type Command struct {
	Keyword string // one of the Kw constants, upper case
	Nick    string // NICK: the nick asked for; PRIV: the recipient
	Text    string // MSG, PRIV: message body, unescaped (may hold line breaks)
	Name    string // GET, PUT: file name
	Size    int64  // PUT: file size in bytes
	SHA256  string // PUT: 64 lower-case hex digits
	Token   string // PING, PONG
	Reason  string // QUIT: the client's words, may be empty
}

// CommandKeyword returns the canonical (upper-case) keyword of a client
// line, or "" when the line does not start with a known client keyword. It
// lets a hub classify a line (rate limits, register-first) before parsing it.
func CommandKeyword(line string) string {
	kw, _, _ := splitKeyword(line)
	return lookupKeyword(kw, commandKeywords)
}

// ParseCommand parses one line from a client, without its line terminator.
// The keyword is matched case-insensitively. On failure the error is an
// *Error naming the keyword (when it was recognised) and what was wrong, and
// the returned Command still carries the recognised Keyword.
//
// PRIV's recipient is only checked to be a non-empty argument: a nick that
// is not online, valid or not, is the hub's no-such-user.
func ParseCommand(line string) (Command, error) {
	if line == "" {
		return Command{}, NewError(ReasonBadSyntax, "", "empty line")
	}
	word, args, hasArgs := splitKeyword(line)
	kw := lookupKeyword(word, commandKeywords)
	if kw == "" {
		detail := "unknown command"
		if e := echoKeyword(word); e != "" {
			detail = "unknown command " + e
		}
		return Command{}, NewError(ReasonUnknownCommand, echoKeyword(word), detail)
	}
	c := Command{Keyword: kw}
	if d := validText(args); d != "" {
		return c, NewError(ReasonBadText, kw, d+" of the arguments")
	}
	f := newFields(kw, args, hasArgs)
	var err error
	switch kw {
	case KwNick:
		if c.Nick, err = f.next("nick"); err == nil {
			err = f.end()
		}
	case KwMsg:
		var raw string
		if raw, err = f.rest("message text"); err == nil {
			c.Text = Unescape(raw)
		}
	case KwPriv:
		var raw string
		if c.Nick, err = f.next("recipient nick"); err == nil {
			if raw, err = f.rest("message text"); err == nil {
				c.Text = Unescape(raw)
			}
		}
	case KwUsers, KwFiles:
		err = f.end()
	case KwGet:
		c.Name, err = f.fileName("file name")
	case KwPut:
		if c.Size, err = f.uint("size", maxInt64); err != nil {
			break
		}
		if c.SHA256, err = f.sha256("sha256"); err != nil {
			break
		}
		c.Name, err = f.fileName("file name")
	case KwPing, KwPong:
		if c.Token, err = f.token("token"); err == nil {
			err = f.end()
		}
	case KwQuit:
		// Spaces alone are no words: such a client quits plainly.
		if c.Reason = f.optionalRest(); strings.Trim(c.Reason, " ") == "" {
			c.Reason = ""
		}
	}
	if err != nil {
		return Command{Keyword: kw}, err
	}
	return c, nil
}

// Validate reports whether c can be written as a valid line: a known client
// keyword and the fields its form needs, each valid, and a line of at most
// [MaxLineLen] bytes once encoded (else a line-too-long *Error: a message
// that long must be shortened or split by the caller).
func (c *Command) Validate() error {
	if err := c.validateFields(); err != nil {
		return err
	}
	if n := c.lineLen(); n > MaxLineLen {
		return lineTooLong(c.Keyword, n, MaxLineLen, "a client line")
	}
	return nil
}

// lineLen returns the length of c's line, LF included. c's fields are valid.
func (c *Command) lineLen() int {
	n := len(c.Keyword) + 1
	switch c.Keyword {
	case KwNick:
		n += 1 + len(c.Nick)
	case KwMsg:
		n += 1 + EscapedLen(c.Text)
	case KwPriv:
		n += 1 + len(c.Nick) + 1 + EscapedLen(c.Text)
	case KwGet:
		n += 1 + len(c.Name)
	case KwPut:
		n += 1 + len(strconv.AppendInt(nil, c.Size, 10)) + 1 + len(c.SHA256) + 1 + len(c.Name)
	case KwPing, KwPong:
		n += 1 + len(c.Token)
	case KwQuit:
		if c.Reason != "" {
			n += 1 + len(c.Reason)
		}
	}
	return n
}

// lineTooLong is the error for a line of n bytes over the limit max.
func lineTooLong(kw string, n, max int, what string) *Error {
	return NewError(ReasonLineTooLong, kw,
		fmt.Sprintf("the line would have %d bytes, terminator included, over the limit of %d for %s", n, max, what))
}

func (c *Command) validateFields() error {
	kw := c.Keyword
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
	body := func() error {
		if c.Text == "" {
			return bad("missing message text")
		}
		if err := ValidBody(c.Text); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	name := func() error {
		if err := ValidFileName(c.Name); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	switch kw {
	case KwNick:
		return tok("nick", c.Nick)
	case KwMsg:
		return body()
	case KwPriv:
		if err := tok("recipient nick", c.Nick); err != nil {
			return err
		}
		return body()
	case KwUsers, KwFiles:
		return nil
	case KwGet:
		return name()
	case KwPut:
		if c.Size < 0 {
			return bad("negative size %d", c.Size)
		}
		if err := ValidSHA256(c.SHA256); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return name()
	case KwPing, KwPong:
		return tok("token", c.Token)
	case KwQuit:
		if err := ValidText(c.Reason); err != nil {
			return err.(*Error).WithKeyword(kw)
		}
		return nil
	}
	return NewError(ReasonUnknownCommand, echoKeyword(kw), "unknown command "+quoteInput(kw))
}

// Append validates c and appends its line, LF included, to dst.
func (c *Command) Append(dst []byte) ([]byte, error) {
	if err := c.Validate(); err != nil {
		return dst, err
	}
	dst = append(dst, c.Keyword...)
	switch c.Keyword {
	case KwNick:
		dst = append(dst, ' ')
		dst = append(dst, c.Nick...)
	case KwMsg:
		dst = append(dst, ' ')
		dst = AppendEscaped(dst, c.Text)
	case KwPriv:
		dst = append(dst, ' ')
		dst = append(dst, c.Nick...)
		dst = append(dst, ' ')
		dst = AppendEscaped(dst, c.Text)
	case KwGet:
		dst = append(dst, ' ')
		dst = append(dst, c.Name...)
	case KwPut:
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, c.Size, 10)
		dst = append(dst, ' ')
		dst = append(dst, c.SHA256...)
		dst = append(dst, ' ')
		dst = append(dst, c.Name...)
	case KwPing, KwPong:
		dst = append(dst, ' ')
		dst = append(dst, c.Token...)
	case KwQuit:
		if c.Reason != "" {
			dst = append(dst, ' ')
			dst = append(dst, c.Reason...)
		}
	}
	return append(dst, '\n'), nil
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
