package proto

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// requireLineTooLong checks err is a line-too-long *Error for kw.
func requireLineTooLong(t *testing.T, err error, kw string) *Error {
	t.Helper()
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, CodeTooLarge, e.Code)
	assert.Equal(t, ReasonLineTooLong, e.Reason)
	assert.Equal(t, kw, e.Keyword)
	return e
}

func TestCommandLineLimit(t *testing.T) {
	// "MSG " + text + LF: 8187 bytes of text make the longest line.
	longest := Command{Keyword: KwMsg, Text: strings.Repeat("a", MaxLineLen-5)}
	b, err := longest.Append(nil)
	require.NoError(t, err)
	assert.Len(t, b, MaxLineLen)

	over := Command{Keyword: KwMsg, Text: strings.Repeat("a", 9000)}
	e := requireLineTooLong(t, over.Validate(), KwMsg)
	assert.Contains(t, e.Detail, "9005 bytes")
	_, err = over.Append(nil)
	requireLineTooLong(t, err, KwMsg)
	assert.Contains(t, over.String(), "line-too-long")

	// Escaping counts: every line break and backslash takes two bytes.
	escaped := Command{Keyword: KwMsg, Text: strings.Repeat("\n", (MaxLineLen-5)/2+1)}
	requireLineTooLong(t, escaped.Validate(), KwMsg)
	priv := Command{Keyword: KwPriv, Nick: "bob", Text: strings.Repeat(`\`, (MaxLineLen-10)/2+1)}
	requireLineTooLong(t, priv.Validate(), KwPriv)
	priv.Text = strings.Repeat(`\`, (MaxLineLen-10)/2)
	require.NoError(t, priv.Validate())

	for _, c := range []Command{
		{Keyword: KwQuit, Reason: strings.Repeat("r", MaxLineLen)},
		{Keyword: KwPing, Token: strings.Repeat("t", MaxLineLen)},
		{Keyword: KwNick, Nick: strings.Repeat("n", MaxLineLen)},
	} {
		requireLineTooLong(t, c.Validate(), c.Keyword)
	}
}

func TestEventLineLimit(t *testing.T) {
	nick := strings.Repeat("\U0001D400", MaxNickLen) // the longest nick in bytes
	ok := Event{Keyword: KwMsg, Time: 1700000000000, Nick: nick, Text: strings.Repeat("a", MaxLineLen-5)}
	b, err := ok.Append(nil)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(b), MaxHubLineLen)

	over := Event{Keyword: KwMsg, Time: 1, Nick: "bob", Text: strings.Repeat("a", MaxHubLineLen)}
	requireLineTooLong(t, over.Validate(), KwMsg)
	_, err = over.Append(nil)
	requireLineTooLong(t, err, KwMsg)

	hello := Event{Keyword: KwHello, Version: Version, Text: strings.Repeat("h", 9000)}
	requireLineTooLong(t, hello.Validate(), KwHello)

	errEv := Event{Keyword: KwErr, Err: Error{Code: 400, Keyword: KwMsg, Reason: ReasonBadText, Detail: strings.Repeat("d", MaxHubLineLen)}}
	requireLineTooLong(t, errEv.Validate(), KwErr)
	errEv.Err.Detail = "short"
	require.NoError(t, errEv.Validate())
}

func TestErrorLineIsCut(t *testing.T) {
	for _, detail := range []string{
		strings.Repeat("d", 3*MaxHubLineLen),
		strings.Repeat("é", MaxHubLineLen),
		strings.Repeat("\x01", MaxHubLineLen), // each replaced by a 3-byte U+FFFD
	} {
		e := NewError(ReasonNoSuchUser, KwPriv, detail)
		line := e.AppendLine([]byte("prefix"))
		line = line[len("prefix"):]
		assert.LessOrEqual(t, len(line), MaxHubLineLen)
		require.NoError(t, ValidText(string(line[:len(line)-1])))
		assert.True(t, strings.HasSuffix(string(line), "…\n"))
		ev, err := ParseEvent(string(line[:len(line)-1]))
		require.NoError(t, err)
		assert.Equal(t, ReasonNoSuchUser, ev.Err.Reason)
	}
	short := NewError(ReasonBadSyntax, "", "short")
	assert.Equal(t, "ERR 400 - bad-syntax short\n", string(short.AppendLine(nil)))
}

func TestQuoteInput(t *testing.T) {
	assert.Equal(t, `"bob"`, QuoteInput("bob"))
	q := QuoteInput(strings.Repeat(`\`, 8180))
	assert.LessOrEqual(t, len(q), 2*48+2+len("…"))
	assert.True(t, strings.HasSuffix(q, "…"))
	// Cut at a character boundary.
	q = QuoteInput(strings.Repeat("é", 40))
	require.NoError(t, ValidText(q))
}

func TestQuitOnlySpaces(t *testing.T) {
	for _, line := range []string{"QUIT", "QUIT ", "QUIT    "} {
		c, err := ParseCommand(line)
		require.NoError(t, err, line)
		assert.Equal(t, "", c.Reason, "%q", line)
	}
	c, err := ParseCommand("QUIT  gone ")
	require.NoError(t, err)
	assert.Equal(t, " gone ", c.Reason, "words keep their spaces")
}
