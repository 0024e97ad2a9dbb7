package proto

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClientForms(t *testing.T) {
	before := map[string]bool{}
	answered := map[string]bool{}
	for _, f := range ClientForms() {
		before[f.Keyword] = f.BeforeRegistration
		answered[f.Keyword] = f.Answered
		assert.Empty(t, f.Item, f.Keyword)
	}
	assert.Equal(t, map[string]bool{KwNick: true, KwMsg: false, KwPriv: false, KwUsers: false, KwFiles: false,
		KwGet: false, KwPut: false, KwPing: true, KwPong: true, KwQuit: true, KwHistory: false, KwSearch: false,
		KwClaim: false, KwUnclaim: false}, before)
	assert.Equal(t, map[string]bool{KwNick: true, KwMsg: true, KwPriv: true, KwUsers: true, KwFiles: true,
		KwGet: true, KwPut: true, KwPing: false, KwPong: false, KwQuit: false, KwHistory: true, KwSearch: true,
		KwClaim: true, KwUnclaim: true}, answered)

	f, ok := ClientForm("priv")
	require.True(t, ok)
	assert.Equal(t, "PRIV <recipient-nick> <message-text…>", f.Syntax)
	assert.True(t, f.Rest)
	assert.Equal(t, []string{"recipient-nick", "message-text"}, f.Fields())
	f, _ = ClientForm(KwFiles)
	assert.Equal(t, "FILES [<offset>]", f.Syntax)
	assert.False(t, f.Rest)
	f, _ = ClientForm(KwQuit)
	assert.Equal(t, "QUIT [<reason…>]", f.Syntax)
	assert.True(t, f.Rest)
	_, ok = ClientForm(KwWelcome)
	assert.False(t, ok, "a hub keyword is no client keyword")
}

func TestHubForms(t *testing.T) {
	items := map[string]string{}
	for _, f := range HubForms() {
		if f.Item != "" {
			items[f.Keyword] = f.Item
		}
		assert.False(t, f.BeforeRegistration || f.Answered, f.Keyword)
		again, ok := HubForm(f.Keyword)
		require.True(t, ok)
		assert.Equal(t, f, again)
	}
	assert.Equal(t, map[string]string{KwUsers: KwUser, KwHistory: KwMsg, KwFiles: KwFile, KwFound: KwMsg, KwInbox: KwPriv}, items)
	f, _ := HubForm(KwJoin)
	assert.Equal(t, "JOIN <time> <nick> [<flags>]", f.Syntax)
	assert.False(t, f.Rest)
	f, ok := HubForm("Shared")
	require.True(t, ok)
	_ = f
	assert.Equal(t, "SHARED <time> <sender-nick> <size> <sha256> <file-name…>", f.Syntax)
	f, _ = HubForm(KwFiles)
	assert.Equal(t, "FILES <count> [<total>]", f.Syntax)
	assert.Equal(t, KwCaps, EventKeyword("caps tls=50001"))
	assert.Equal(t, "", EventKeyword("NICK bob"))
}

func TestEscapedBodyKept(t *testing.T) {
	// A lone backslash stands for itself; the hub passes the body on as the
	// client wrote it, so it must not come back doubled.
	c, err := ParseCommand(`PRIV ann a\d\\e\n`)
	require.NoError(t, err)
	assert.Equal(t, "a\\d\\e\n", c.Text)
	assert.Equal(t, `a\d\\e\n`, c.Escaped)
	assert.Equal(t, `PRIV ann a\d\\e\n`, c.String())

	// Without Escaped the body is escaped from Text.
	c.Escaped = ""
	assert.Equal(t, `PRIV ann a\\d\\e\n`, c.String())

	// An Escaped that does not say Text is refused.
	c.Escaped = "other"
	err = c.Validate()
	assert.True(t, errors.Is(err, &Error{Reason: ReasonBadSyntax, Keyword: KwPriv}), "%v", err)
}

func TestFilesForms(t *testing.T) {
	c, err := ParseCommand("FILES 500")
	require.NoError(t, err)
	assert.Equal(t, Command{Keyword: KwFiles, Offset: 500}, c)
	assert.Equal(t, "FILES 500", c.String())
	c, err = ParseCommand("FILES 0")
	require.NoError(t, err)
	assert.Equal(t, "FILES", c.String(), "offset 0 is the default and left out")
	_, err = ParseCommand("FILES 1 2")
	assert.ErrorContains(t, err, `unexpected argument "2"`)
	_, err = (&Command{Keyword: KwFiles, Offset: -1}).Append(nil)
	assert.ErrorContains(t, err, "negative offset")

	ev, err := ParseEvent("FILES 2 700")
	require.NoError(t, err)
	assert.Equal(t, Event{Keyword: KwFiles, Count: 2, Total: 700}, ev)
	// A hub that predates the total lists all its files at once.
	ev, err = ParseEvent("FILES 2")
	require.NoError(t, err)
	assert.Equal(t, 2, ev.Total)
	_, err = ParseEvent("FILES 3 2")
	assert.ErrorContains(t, err, "total 2 is less than the count 3")
	assert.Equal(t, "FILES 0 0", Event{Keyword: KwFiles}.String())
	assert.Equal(t, "FILES 2 700\n", string(AppendFilesPage(nil, 2, 700)))
}

func TestSharedUnshared(t *testing.T) {
	ev, err := ParseEvent("SHARED 9 - 10 " + sum + " found.txt")
	require.NoError(t, err)
	assert.Equal(t, Event{Keyword: KwShared, Time: 9, Size: 10, SHA256: sum, Name: "found.txt"}, ev)
	assert.Equal(t, "SHARED 9 - 10 "+sum+" found.txt", ev.String())
	assert.Equal(t, "SHARED 9 - 10 "+sum+" found.txt\n", string(AppendShared(nil, 9, "", 10, sum, "found.txt")))

	ev, err = ParseEvent("UNSHARED 12 old notes.txt")
	require.NoError(t, err)
	assert.Equal(t, Event{Keyword: KwUnshared, Time: 12, Name: "old notes.txt"}, ev)
	assert.Equal(t, "UNSHARED 12 old notes.txt\n", string(AppendUnshared(nil, 12, "old notes.txt")))
	_, err = ParseEvent("UNSHARED 12 ../x")
	assert.True(t, errors.Is(err, &Error{Reason: ReasonBadName, Keyword: KwUnshared}), "%v", err)
	_, err = ParseEvent("UNSHARED 12")
	assert.ErrorContains(t, err, "missing file name")
}

func TestCaps(t *testing.T) {
	ev, err := ParseEvent("CAPS tls=50001 claim fp=ABC= x=")
	require.NoError(t, err)
	assert.Equal(t, KwCaps, ev.Keyword)
	assert.Equal(t, []Capability{{CapTLS, "50001"}, {CapClaim, ""}, {CapFingerprint, "ABC="}, {"x", ""}}, ev.Capabilities())
	port, ok := ev.Capability(CapTLS)
	assert.True(t, ok)
	assert.Equal(t, "50001", port)
	_, ok = ev.Capability(CapStore)
	assert.False(t, ok)
	assert.Equal(t, "CAPS tls=50001 claim fp=ABC= x=", ev.String())
	assert.Equal(t, "CAPS tls=50001 claim\n", string(AppendCaps(nil, []Capability{{CapTLS, "50001"}, {CapClaim, ""}})))

	for line, detail := range map[string]string{
		"CAPS":         "missing cap",
		"CAPS a  b":    "empty capability 2",
		"CAPS =1":      `capability "=1" has no name`,
		"CAPS a b ":    "empty capability 3",
		"CAPS tls=1 ,": "", // any word with a name is a capability
	} {
		_, err := ParseEvent(line)
		if detail == "" {
			assert.NoError(t, err, line)
			continue
		}
		assert.True(t, errors.Is(err, &Error{Reason: ReasonBadSyntax, Keyword: KwCaps}), "%q: %v", line, err)
		assert.ErrorContains(t, err, detail, line)
	}
}

func TestUnknownKeyword(t *testing.T) {
	// A hub may add keywords: the client is told the keyword is unknown,
	// apart from a line that breaks a known form.
	_, err := ParseEvent("CLAIMS bob")
	assert.ErrorIs(t, err, ErrUnknownKeyword)
	var pe *Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "CLAIMS", pe.Keyword)
	_, err = ParseEvent("CLAIMED bob")
	assert.NoError(t, err, "CLAIMED is a hub keyword of natter/1 section 9")
	_, err = ParseEvent("JOIN x bob")
	assert.False(t, errors.Is(err, ErrUnknownKeyword), "%v", err)
	_, err = ParseEvent("")
	assert.False(t, errors.Is(err, ErrUnknownKeyword))

	_, err = ParseCommand("WELCOME bob")
	assert.ErrorIs(t, err, ErrUnknownKeyword)
	_, err = ParseCommand("NICK")
	assert.False(t, errors.Is(err, ErrUnknownKeyword))
}

func TestParseDoesNotAllocate(t *testing.T) {
	// The hub parses every line a client sends: a parsed value stays on the
	// stack (a body with a backslash allocates its unescaped form).
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := ParseCommand("PRIV alice see you at 3"); err != nil {
			t.Fatal(err)
		}
	}))
	file := "FILE 1234 " + sum + " 1700000000000 notes.txt"
	assert.Zero(t, testing.AllocsPerRun(100, func() {
		if _, err := ParseEvent(file); err != nil {
			t.Fatal(err)
		}
	}))
	buf := make([]byte, 0, 256)
	c := Command{Keyword: KwMsg, Text: "hello"}
	assert.Zero(t, testing.AllocsPerRun(100, func() { buf, _ = c.Append(buf[:0]) }))
}

func TestOwnedNickForms(t *testing.T) {
	for line, want := range map[string]Event{
		"CLAIMED bob":                 {Keyword: KwClaimed, Nick: "bob"},
		"UNCLAIMED bob":               {Keyword: KwUnclaimed, Nick: "bob"},
		"KEPT 17 bob":                 {Keyword: KwKept, Time: 17, Nick: "bob"},
		"INBOX 3":                     {Keyword: KwInbox, Count: 3},
		"USER bob o":                  {Keyword: KwUser, Nick: "bob", Flags: "o"},
		"USER bob":                    {Keyword: KwUser, Nick: "bob"},
		"JOIN 5 bob o":                {Keyword: KwJoin, Time: 5, Nick: "bob", Flags: "o"},
		"WELCOME bob o":               {Keyword: KwWelcome, Nick: "bob", Flags: "o"},
		"WELCOME bob xo":              {Keyword: KwWelcome, Nick: "bob", Flags: "xo"},
		"ERR 403 CLAIM need-identity": {Keyword: KwErr, Err: Error{Code: 403, Keyword: KwClaim, Reason: ReasonNeedIdentity}},
		"ERR 409 NICK nick-owned":     {Keyword: KwErr, Err: Error{Code: 409, Keyword: KwNick, Reason: ReasonNickOwned}},
	} {
		ev, err := ParseEvent(line)
		require.NoError(t, err, line)
		assert.Equal(t, want, ev, line)
		assert.Equal(t, line, ev.String(), line)
	}
	ev, _ := ParseEvent("USER bob o")
	assert.True(t, ev.Owned())
	ev, _ = ParseEvent("USER bob x")
	assert.False(t, ev.Owned())
	for _, line := range []string{"USER bob o1", "USER bob o x", "JOIN 1 bob -", "WELCOME bob ", "CLAIMED", "KEPT bob", "INBOX x"} {
		_, err := ParseEvent(line)
		assert.True(t, errors.Is(err, &Error{Reason: ReasonBadSyntax}), "%q: %v", line, err)
	}
	_, err := (&Event{Keyword: KwUser, Nick: "bob", Flags: "o!"}).Append(nil)
	assert.Error(t, err)

	assert.Equal(t, CodeForbidden, ReasonCode(ReasonNeedIdentity))
	assert.Equal(t, CodeConflict, ReasonCode(ReasonNickOwned))

	for _, line := range []string{"CLAIM", "unclaim"} {
		c, err := ParseCommand(line)
		require.NoError(t, err, line)
		out, err := c.Append(nil)
		require.NoError(t, err)
		assert.Equal(t, strings.ToUpper(line)+"\n", string(out))
	}
	_, err = ParseCommand("CLAIM bob")
	assert.True(t, errors.Is(err, &Error{Reason: ReasonBadSyntax, Keyword: KwClaim}), "%v", err)
}
