package proto

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sum = strings.Repeat("0123456789abcdef", 4)

func TestCommandRoundTrip(t *testing.T) {
	tests := []struct {
		line string
		want Command
	}{
		{"NICK bob", Command{Keyword: KwNick, Nick: "bob"}},
		{"MSG hello world", Command{Keyword: KwMsg, Text: "hello world", Escaped: "hello world"}},
		{`MSG two\nlines and a \\ backslash`, Command{Keyword: KwMsg, Text: "two\nlines and a \\ backslash", Escaped: `two\nlines and a \\ backslash`}},
		{"MSG  leading space", Command{Keyword: KwMsg, Text: " leading space", Escaped: " leading space"}},
		{"PRIV alice hi there", Command{Keyword: KwPriv, Nick: "alice", Text: "hi there", Escaped: "hi there"}},
		{"USERS", Command{Keyword: KwUsers}},
		{"FILES", Command{Keyword: KwFiles}},
		{"GET my file.txt", Command{Keyword: KwGet, Name: "my file.txt"}},
		{"PUT 1234 " + sum + " a (1).txt", Command{Keyword: KwPut, Size: 1234, SHA256: sum, Name: "a (1).txt"}},
		{"PUT 0 " + sum + " empty", Command{Keyword: KwPut, Size: 0, SHA256: sum, Name: "empty"}},
		{"PING 42", Command{Keyword: KwPing, Token: "42"}},
		{"PONG abc", Command{Keyword: KwPong, Token: "abc"}},
		{"QUIT", Command{Keyword: KwQuit}},
		{"QUIT gone fishing", Command{Keyword: KwQuit, Reason: "gone fishing"}},
		{"MSG héllo 👋", Command{Keyword: KwMsg, Text: "héllo 👋", Escaped: "héllo 👋"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseCommand(tt.line)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			line, err := got.Append(nil)
			require.NoError(t, err)
			assert.Equal(t, tt.line+"\n", string(line))
			assert.Equal(t, tt.line, got.String())
		})
	}
}

func TestCommandKeywordCaseInsensitive(t *testing.T) {
	for _, line := range []string{"nick bob", "Nick bob", "nIcK bob"} {
		c, err := ParseCommand(line)
		require.NoError(t, err, line)
		assert.Equal(t, KwNick, c.Keyword)
		assert.Equal(t, "NICK bob", c.String())
	}
	assert.Equal(t, KwMsg, CommandKeyword("msg hi"))
	assert.Equal(t, "", CommandKeyword("HELLO natter/1"))
}

func TestParseCommandErrors(t *testing.T) {
	tests := []struct {
		line     string
		kw       string
		reason   string
		inDetail string
	}{
		{"", "", ReasonBadSyntax, "empty line"},
		{"FOO bar", "FOO", ReasonUnknownCommand, "FOO"},
		{"WELCOME bob", "WELCOME", ReasonUnknownCommand, "WELCOME"},
		{"\xff\xfe", "", ReasonUnknownCommand, "unknown command"},
		{"NICK", KwNick, ReasonBadSyntax, "missing nick"},
		{"NICK ", KwNick, ReasonBadSyntax, "empty nick"},
		{"NICK bob smith", KwNick, ReasonBadSyntax, `unexpected argument "smith"`},
		{"NICK bob ", KwNick, ReasonBadSyntax, "trailing space"},
		{"MSG", KwMsg, ReasonBadSyntax, "missing message text"},
		{"MSG ", KwMsg, ReasonBadSyntax, "missing message text"},
		{"MSG a\xffb", KwMsg, ReasonBadText, "invalid UTF-8 at byte 1"},
		{"MSG a\tb", KwMsg, ReasonBadText, "control character U+0009 at byte 1"},
		{"MSG a\x7fb", KwMsg, ReasonBadText, "U+007F"},
		{"MSG a\rb", KwMsg, ReasonBadText, "U+000D"},
		{"PRIV bob", KwPriv, ReasonBadSyntax, "missing message text"},
		{"PRIV", KwPriv, ReasonBadSyntax, "missing recipient nick"},
		{"USERS x", KwUsers, ReasonBadSyntax, "unexpected argument"},
		{"FILES x", KwFiles, ReasonBadSyntax, "unexpected argument"},
		{"GET", KwGet, ReasonBadSyntax, "missing file name"},
		{"GET ../secret", KwGet, ReasonBadName, "starts with '.'"},
		{"GET a/b", KwGet, ReasonBadName, "contains '/'"},
		{`GET a\b`, KwGet, ReasonBadName, `contains '\\'`},
		{"GET ..", KwGet, ReasonBadName, "not allowed"},
		{"GET .", KwGet, ReasonBadName, "not allowed"},
		{"GET .hidden", KwGet, ReasonBadName, "starts with '.'"},
		{"GET " + strings.Repeat("x", 256), KwGet, ReasonBadName, "256 bytes"},
		{"PUT", KwPut, ReasonBadSyntax, "missing size"},
		{"PUT -1 " + sum + " a", KwPut, ReasonBadSyntax, "not a decimal number"},
		{"PUT 99999999999999999999 " + sum + " a", KwPut, ReasonBadSyntax, "out of range"},
		{"PUT 10", KwPut, ReasonBadSyntax, "missing sha256"},
		{"PUT 10 abc a", KwPut, ReasonBadSyntax, "64 lower-case hex"},
		{"PUT 10 " + strings.ToUpper(sum) + " a", KwPut, ReasonBadSyntax, "lower-case hex"},
		{"PUT 10 " + sum, KwPut, ReasonBadSyntax, "missing file name"},
		{"PUT 10 " + sum + " a/b", KwPut, ReasonBadName, "one path element"},
		{"PING", KwPing, ReasonBadSyntax, "missing token"},
		{"PING a b", KwPing, ReasonBadSyntax, "unexpected argument"},
		{"PONG", KwPong, ReasonBadSyntax, "missing token"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			c, err := ParseCommand(tt.line)
			require.Error(t, err)
			var pe *Error
			require.True(t, errors.As(err, &pe), "error %T is not *Error", err)
			assert.Equal(t, tt.kw, pe.Keyword)
			assert.Equal(t, tt.reason, pe.Reason)
			assert.Equal(t, ReasonCode(tt.reason), pe.Code)
			assert.Contains(t, pe.Detail, tt.inDetail)
			if ReasonCode(tt.reason) == CodeBadRequest && tt.reason != ReasonUnknownCommand {
				assert.Equal(t, tt.kw, c.Keyword, "keyword kept on error")
			}
			line := string(pe.AppendLine(nil))
			ev, err := ParseEvent(strings.TrimSuffix(line, "\n"))
			require.NoError(t, err, "ERR line %q must be valid", line)
			assert.Equal(t, *pe, ev.Err)
		})
	}
}

func TestEventRoundTrip(t *testing.T) {
	tests := []struct {
		line string
		want Event
	}{
		{"HELLO natter/1 My hub", Event{Keyword: KwHello, Version: Version, Text: "My hub"}},
		{"HELLO natter/1", Event{Keyword: KwHello, Version: Version}},
		{"WELCOME bob", Event{Keyword: KwWelcome, Nick: "bob"}},
		{"USERS 2", Event{Keyword: KwUsers, Count: 2}},
		{"USER alice", Event{Keyword: KwUser, Nick: "alice"}},
		{"HISTORY 0", Event{Keyword: KwHistory}},
		{"JOIN 1700000000000 bob", Event{Keyword: KwJoin, Time: 1700000000000, Nick: "bob"}},
		{"RENAME 1 bob robert", Event{Keyword: KwRename, Time: 1, Nick: "bob", NewNick: "robert"}},
		{"LEAVE 5 bob quit: see you", Event{Keyword: KwLeave, Time: 5, Nick: "bob", Reason: "quit: see you"}},
		{"LEAVE 5 bob too-slow", Event{Keyword: KwLeave, Time: 5, Nick: "bob", Reason: LeaveTooSlow}},
		{`MSG 7 bob hi\nthere \\o/`, Event{Keyword: KwMsg, Time: 7, Nick: "bob", Text: "hi\nthere \\o/"}},
		{"PRIV 7 bob alice psst", Event{Keyword: KwPriv, Time: 7, Nick: "bob", To: "alice", Text: "psst"}},
		{"FILES 1 3", Event{Keyword: KwFiles, Count: 1, Total: 3}},
		{"FILE 10 - 1700000000123 notes.txt", Event{Keyword: KwFile, Size: 10, MTime: 1700000000123, Name: "notes.txt"}},
		{"FILE 10 " + sum + " 3 a b.txt", Event{Keyword: KwFile, Size: 10, SHA256: sum, MTime: 3, Name: "a b.txt"}},
		{"GET 00ff 50001 10 " + sum + " a.txt", Event{Keyword: KwGet, Token: "00ff", Port: 50001, Size: 10, SHA256: sum, Name: "a.txt"}},
		{"PUT 00ff 50001 a (1).txt", Event{Keyword: KwPut, Token: "00ff", Port: 50001, Name: "a (1).txt"}},
		{"SHARED 9 bob 10 " + sum + " a.txt", Event{Keyword: KwShared, Time: 9, Nick: "bob", Size: 10, SHA256: sum, Name: "a.txt"}},
		{"ERR 404 PRIV no-such-user carol is not online", Event{Keyword: KwErr, Err: Error{Code: 404, Keyword: KwPriv, Reason: ReasonNoSuchUser, Detail: "carol is not online"}}},
		{"ERR 413 - line-too-long", Event{Keyword: KwErr, Err: Error{Code: 413, Reason: ReasonLineTooLong}}},
		{"BYE shutdown", Event{Keyword: KwBye, Reason: ByeShutdown}},
		{"PING 12", Event{Keyword: KwPing, Token: "12"}},
		{"PONG 12", Event{Keyword: KwPong, Token: "12"}},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := ParseEvent(tt.line)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			line, err := got.Append(nil)
			require.NoError(t, err)
			assert.Equal(t, tt.line+"\n", string(line))
			assert.Equal(t, tt.line, got.String())
		})
	}
	ev, err := ParseEvent("msg 1 bob hi")
	require.NoError(t, err)
	assert.Equal(t, KwMsg, ev.Keyword)
}

func TestParseEventErrors(t *testing.T) {
	tests := []struct {
		line     string
		reason   string
		inDetail string
	}{
		{"", ReasonBadSyntax, "empty line"},
		{"NICK bob", ReasonUnknownCommand, "NICK"},
		{"HELLO", ReasonBadSyntax, "missing version"},
		{"WELCOME", ReasonBadSyntax, "missing nick"},
		{"USERS x", ReasonBadSyntax, "not a decimal"},
		{"USERS 1 2", ReasonBadSyntax, "unexpected argument"},
		{"JOIN x bob", ReasonBadSyntax, "time"},
		{"JOIN 1", ReasonBadSyntax, "missing nick"},
		{"RENAME 1 bob", ReasonBadSyntax, "missing new nick"},
		{"LEAVE 1 bob", ReasonBadSyntax, "missing reason"},
		{"MSG 1 bob", ReasonBadSyntax, "missing message text"},
		{"MSG 1 bob \x01", ReasonBadText, "U+0001"},
		{"PRIV 1 bob alice", ReasonBadSyntax, "missing message text"},
		{"FILE 1 xyz 2 a", ReasonBadSyntax, "sha256"},
		{"FILE 1 - 2 ../a", ReasonBadName, "starts with '.'"},
		{"GET t 0 1 " + sum + " a", ReasonBadSyntax, "udp port 0"},
		{"GET t 70000 1 " + sum + " a", ReasonBadSyntax, "out of range"},
		{"PUT t 1", ReasonBadSyntax, "missing stored file name"},
		{"SHARED 1 bob 1 - a", ReasonBadSyntax, "sha256"},
		{"ERR 4 - x", ReasonBadSyntax, "three digits"},
		{"ERR 400 -", ReasonBadSyntax, "missing reason"},
		{"BYE", ReasonBadSyntax, "missing reason"},
		{"PING", ReasonBadSyntax, "missing token"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			_, err := ParseEvent(tt.line)
			var pe *Error
			require.True(t, errors.As(err, &pe), "got %v", err)
			assert.Equal(t, tt.reason, pe.Reason)
			assert.Contains(t, pe.Detail, tt.inDetail)
		})
	}
}

func TestAppendFunctions(t *testing.T) {
	var b []byte
	b = AppendHello(b, "hub one")
	b = AppendWelcome(b, "bob")
	b = AppendUsers(b, 1)
	b = AppendUser(b, "bob")
	b = AppendHistory(b, 0)
	b = AppendJoin(b, 1, "bob")
	b = AppendRename(b, 2, "bob", "rob")
	b = AppendMsg(b, 3, "rob", "a\nb\\c")
	b = AppendPriv(b, 4, "rob", "ann", "x")
	b = AppendMsgEscaped(b, 3, "rob", `a\x\n`)
	b = AppendPrivEscaped(b, 4, "rob", "ann", `y\\`)
	b = AppendFilesPage(b, 1, 1)
	b = AppendFile(b, 5, "", 6, "f")
	b = AppendGetGrant(b, "tok", 50001, 5, sum, "f")
	b = AppendPutGrant(b, "tok", 50001, "f (1)")
	b = AppendShared(b, 7, "rob", 5, sum, "f (1)")
	b = AppendErr(b, ReasonSlowDown, KwMsg, "")
	b = AppendLeave(b, 8, "rob", LeaveFlood)
	b = AppendBye(b, LeaveFlood)
	b = AppendPing(b, "p")
	b = AppendPong(b, "p")
	want := "HELLO natter/1 hub one\nWELCOME bob\nUSERS 1\nUSER bob\nHISTORY 0\nJOIN 1 bob\nRENAME 2 bob rob\n" +
		`MSG 3 rob a\nb\\c` + "\nPRIV 4 rob ann x\n" + `MSG 3 rob a\x\n` + "\n" + `PRIV 4 rob ann y\\` + "\nFILES 1 1\nFILE 5 - 6 f\nGET tok 50001 5 " + sum + " f\n" +
		"PUT tok 50001 f (1)\nSHARED 7 rob 5 " + sum + " f (1)\nERR 429 MSG slow-down\nLEAVE 8 rob flood\nBYE flood\nPING p\nPONG p\n"
	assert.Equal(t, want, string(b))
	for _, line := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
		_, err := ParseEvent(line)
		assert.NoError(t, err, line)
	}
	assert.Equal(t, 0.0, testing.AllocsPerRun(100, func() {
		b = AppendMsg(b[:0], 1700000000000, "someone", "hello\nworld")
	}))
}

func TestCommandValidate(t *testing.T) {
	tests := []struct {
		c      Command
		reason string
	}{
		{Command{Keyword: "HELLO"}, ReasonUnknownCommand},
		{Command{Keyword: KwNick}, ReasonBadSyntax},
		{Command{Keyword: KwNick, Nick: "a b"}, ReasonBadSyntax},
		{Command{Keyword: KwMsg}, ReasonBadSyntax},
		{Command{Keyword: KwMsg, Text: "a\tb"}, ReasonBadText},
		{Command{Keyword: KwPriv, Nick: "x", Text: "a\rb"}, ReasonBadText},
		{Command{Keyword: KwGet, Name: "../x"}, ReasonBadName},
		{Command{Keyword: KwPut, Size: -1, SHA256: sum, Name: "x"}, ReasonBadSyntax},
		{Command{Keyword: KwPut, Size: 1, SHA256: "nope", Name: "x"}, ReasonBadSyntax},
		{Command{Keyword: KwPing}, ReasonBadSyntax},
		{Command{Keyword: KwQuit, Reason: "a\nb"}, ReasonBadText},
	}
	for _, tt := range tests {
		_, err := tt.c.Append(nil)
		var pe *Error
		require.True(t, errors.As(err, &pe), "%+v: %v", tt.c, err)
		assert.Equal(t, tt.reason, pe.Reason, "%+v", tt.c)
		assert.Contains(t, tt.c.String(), "invalid command")
	}
	c := Command{Keyword: KwMsg, Text: "multi\nline"}
	assert.Equal(t, `MSG multi\nline`, c.String())
}

func TestEventValidate(t *testing.T) {
	bad := []Event{
		{Keyword: "NICK"},
		{Keyword: KwHello},
		{Keyword: KwUsers, Count: -1},
		{Keyword: KwJoin, Time: -1, Nick: "a"},
		{Keyword: KwRename, Nick: "a"},
		{Keyword: KwLeave, Nick: "a"},
		{Keyword: KwMsg, Nick: "a"},
		{Keyword: KwPriv, Nick: "a", Text: "x"},
		{Keyword: KwFile, Size: 1, SHA256: "x", Name: "a"},
		{Keyword: KwGet, Token: "t", Port: 0, SHA256: sum, Name: "a"},
		{Keyword: KwPut, Token: "t", Port: 1, Name: "/"},
		{Keyword: KwShared, Nick: "a", SHA256: "", Name: "a"},
		{Keyword: KwErr, Err: Error{Code: 1, Reason: "x"}},
		{Keyword: KwErr, Err: Error{Code: 400}},
		{Keyword: KwBye},
		{Keyword: KwPong},
	}
	for _, ev := range bad {
		_, err := ev.Append(nil)
		assert.Error(t, err, "%+v", ev)
		assert.Contains(t, ev.String(), "invalid hub line")
	}
}

func TestError(t *testing.T) {
	e := NewError(ReasonBadNick, KwNick, `nick "1a" must start with a letter`)
	assert.Equal(t, CodeBadRequest, e.Code)
	assert.Equal(t, `natter: NICK bad-nick (400): nick "1a" must start with a letter`, e.Error())
	assert.True(t, errors.Is(e, &Error{Reason: ReasonBadNick}))
	assert.True(t, errors.Is(e, &Error{Reason: ReasonBadNick, Keyword: KwNick, Code: 400}))
	assert.False(t, errors.Is(e, &Error{Reason: ReasonBadNick, Keyword: KwMsg}))
	assert.False(t, errors.Is(e, &Error{Reason: ReasonBadText}))
	assert.Equal(t, "ERR 400 NICK bad-nick nick \"1a\" must start with a letter\n", string(e.AppendLine(nil)))
	// A detail with characters not allowed in text still yields a valid line.
	e = NewError(ReasonBadText, "", "bad\nthing\xff")
	assert.Equal(t, "ERR 400 - bad-text bad\uFFFDthing\uFFFD\n", string(e.AppendLine(nil)))

	codes := map[string]int{
		ReasonBadSyntax: 400, ReasonUnknownCommand: 400, ReasonBadNick: 400, ReasonBadText: 400, ReasonBadName: 400,
		ReasonRegisterFirst: 401, ReasonNoSuchUser: 404, ReasonNoSuchFile: 404, ReasonNickInUse: 409, ReasonBusy: 409,
		ReasonLineTooLong: 413, ReasonTooLarge: 413, ReasonChecksumMismatch: 422, ReasonSlowDown: 429,
		ReasonHubFull: 503, ReasonNoSpace: 507, "made-up": 0,
	}
	for reason, code := range codes {
		assert.Equal(t, code, ReasonCode(reason), reason)
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ plain, wire string }{
		{"", ""},
		{"abc", "abc"},
		{"a\nb", `a\nb`},
		{`a\b`, `a\\b`},
		{"\\n", `\\n`},
		{"\n\n", `\n\n`},
		{`\`, `\\`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.wire, Escape(tt.plain))
		assert.Equal(t, tt.plain, Unescape(tt.wire))
	}
	// Any other backslash stands for itself.
	assert.Equal(t, `a\b`, Unescape(`a\b`))
	assert.Equal(t, `end\`, Unescape(`end\`))
	assert.Equal(t, `\t`, Unescape(`\t`))
	assert.Equal(t, "\\\n", Unescape(`\\\n`))
}

func TestValidBody(t *testing.T) {
	assert.NoError(t, ValidBody("a\nb\n"))
	assert.NoError(t, ValidBody(""))
	err := ValidBody("a\nb\tc")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "U+0009 at byte 1 of the part starting at byte 2")
	assert.Error(t, ValidBody("x\xff"))
}

func TestValidNick(t *testing.T) {
	good := []string{"bob", "Bob_2", "a", "a.b-c_d", "Zoë", "Ωmega", "日本語", "x23456789012345678901234", "é"}
	for _, n := range good {
		assert.NoError(t, ValidNick(n), n)
	}
	bad := map[string]string{
		"":                          "empty",
		"1bob":                      "must start with a letter",
		"_bob":                      "must start with a letter",
		"bo b":                      "a space",
		"bob!":                      `'!'`,
		"x234567890123456789012345": "longer than 24",
		"hub":                       "reserved",
		"HUB":                       "reserved",
		"Everyone":                  "reserved",
		"all":                       "reserved",
		"SERVER":                    "reserved",
		"bob\xff":                   "invalid UTF-8",
		"e\u0301":                   "U+0301",
	}
	for n, want := range bad {
		err := ValidNick(n)
		require.Error(t, err, n)
		assert.True(t, errors.Is(err, &Error{Reason: ReasonBadNick, Keyword: KwNick}), n)
		assert.Contains(t, err.Error(), want, n)
	}
}

func TestNickKey(t *testing.T) {
	assert.Equal(t, NickKey("Bob"), NickKey("bob"))
	assert.Equal(t, NickKey("BOB"), NickKey("bob"))
	assert.Equal(t, NickKey("Zoë"), NickKey("zoe\u0308"), "NFC")
	assert.Equal(t, NickKey("STRASSE"), NickKey("straße"), "full case folding")
	assert.NotEqual(t, NickKey("bob"), NickKey("bobby"))
}

func TestValidFileName(t *testing.T) {
	good := []string{"a", "a.txt", "a b (1).txt", "日本.txt", "x.", strings.Repeat("é", 125)}
	for _, n := range good {
		assert.NoError(t, ValidFileName(n), n)
	}
	bad := map[string]string{
		"":                       "empty",
		".":                      "not allowed",
		"..":                     "not allowed",
		".hidden":                "starts with '.'",
		"../etc/passwd":          "starts with '.'",
		"a/b":                    "one path element",
		`a\b`:                    "one path element",
		"a\x00b":                 "U+0000",
		"a\nb":                   "U+000A",
		"a\x7f":                  "U+007F",
		"a\xff":                  "invalid UTF-8",
		strings.Repeat("x", 256): "longer than 250",
		strings.Repeat("é", 126): "252 bytes is longer than 250",
		"txt.\u202Eexe":          "U+202E at byte 4",
		"a\u200Bb":               "U+200B",
		"\uFEFFa":                "U+FEFF",
		"a\u061C":                "U+061C",
		"a\u2066b\u2069":         "U+2066",
		"a\u2060":                "U+2060",
	}
	for n, want := range bad {
		err := ValidFileName(n)
		require.Error(t, err, n)
		assert.True(t, errors.Is(err, &Error{Reason: ReasonBadName}), n)
		assert.Contains(t, err.Error(), want, n)
	}
}

func TestValidSHA256(t *testing.T) {
	assert.NoError(t, ValidSHA256(sum))
	assert.ErrorContains(t, ValidSHA256(sum[:63]), "63 characters")
	assert.ErrorContains(t, ValidSHA256(strings.ToUpper(sum)), "position 10")
	assert.ErrorContains(t, ValidSHA256(sum[:63]+"g"), "position 63")
}

func TestQuitReason(t *testing.T) {
	assert.Equal(t, "quit", QuitReason(""))
	assert.Equal(t, "quit: bye all", QuitReason("bye all"))
}

func TestFileNameKey(t *testing.T) {
	assert.Equal(t, FileNameKey("Notes.TXT"), FileNameKey("notes.txt"))
	assert.Equal(t, FileNameKey("Zoë.md"), FileNameKey("zoe\u0308.md"), "NFC")
	assert.NotEqual(t, FileNameKey("a.txt"), FileNameKey("a.txt.part"))
}

func TestDisplayControls(t *testing.T) {
	for _, r := range []rune{0x061C, 0x200E, 0x200F, 0x202A, 0x202C, 0x202E, 0x2066, 0x2069, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF} {
		assert.True(t, IsDisplayControl(r), "U+%04X", r)
		assert.Error(t, ValidNick("a"+string(r)+"b"), "U+%04X in a nick", r)
		assert.ErrorContains(t, ValidHubName("hub"+string(r)), "changes how text is displayed", "U+%04X", r)
	}
	for _, r := range []rune{'a', 0x2029, 0x2065, 0x206A, 0x202F, 0x200A, 0x061B} {
		assert.False(t, IsDisplayControl(r), "U+%04X", r)
	}
	assert.NoError(t, ValidHubName("Office hub ✓"))
	assert.Error(t, ValidHubName("tab\there"))
}
