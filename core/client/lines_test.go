package client

import (
	"bytes"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// logRecorder keeps what a client logs at Warn and above.
type logRecorder struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logRecorder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logRecorder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logRecorder) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// TestScriptedUnknownKeywordsSkippedQuietly sends lines with keywords the
// client does not know, before registration, inside a USERS block and
// after it, and checks that the client goes on as if they were not there,
// saying nothing about them, while a known line that does not parse is
// still reported.
func TestScriptedUnknownKeywordsSkippedQuietly(t *testing.T) {
	var logs logRecorder
	h := newScriptedHub(t)
	c := startClient(t, Config{Addr: h.addr(), Nick: "alice", Logger: logs.logger()})
	s := h.accept()
	s.send("HELLO natter/1 Test hub")
	s.send("NEWFEATURE before registration")
	s.expect("NICK alice")
	s.send("WELCOME alice")
	s.send("USERS 2")
	s.send("USER alice")
	s.send("FLAGSFOR alice o")
	s.send("USER bob")
	s.send("HISTORY 0")
	s.expect("FILES")
	s.send("FILES 0")
	s.send("newfeature in lower case")
	s.send("JOIN not-a-time carol")
	s.send("MSG 1700000000000 bob after them")
	snap := waitFor(t, c, "the message", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.Text == "after them" })
	})
	require.Equal(t, Registered, snap.Conn.State)
	require.Equal(t, []string{"alice", "bob"}, nicks(snap), "the USERS block is whole")
	logged := logs.String()
	require.NotContains(t, strings.ToUpper(logged), "NEWFEATURE")
	require.NotContains(t, logged, "FLAGSFOR")
	require.Contains(t, logged, "not-a-time", "a known line that does not parse is reported")
}

// TestScriptedLongestHubLine checks that a hub line of the longest length
// natter/1 allows (8192 + 256 bytes, LF included) reaches the client, and
// that one byte more is skipped without ending the session.
func TestScriptedLongestHubLine(t *testing.T) {
	const longest = proto.MaxLineLen + 256
	h := newScriptedHub(t)
	c := startClient(t, Config{Addr: h.addr(), Nick: "alice"})
	s := h.accept()
	s.register("alice", "alice", "bob")
	waitFor(t, c, "registered", registered)

	prefix := "MSG 1700000000001 bob "
	body := strings.Repeat("b", longest-len(prefix)-1)
	tooLong := "MSG 1700000000000 bob " + strings.Repeat("x", longest-len(prefix))
	require.Len(t, tooLong+"\n", longest+1)
	require.Len(t, prefix+body+"\n", longest)
	s.send("%s", tooLong)
	s.send("%s", prefix+body)
	snap := waitFor(t, c, "the longest line", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.From == "bob" && m.Kind == Public })
	})
	require.Equal(t, Registered, snap.Conn.State)
	var got []string
	for _, m := range snap.Messages {
		if m.Kind == Public {
			got = append(got, m.Text)
		}
	}
	require.Equal(t, []string{body}, got, "the line over the limit is skipped, the longest one arrives whole")
}

// testFingerprint is a well-formed fingerprint for tests.
var testFingerprint = strings.Repeat("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 2)[:fingerprintLen]

// TestScriptedCaps checks that the hub's CAPS line is read into the
// Snapshot, unknown words ignored, that a later CAPS replaces it, and
// that a new session starts without the old one's.
func TestScriptedCaps(t *testing.T) {
	h := newScriptedHub(t)
	c := startClient(t, fastReconnect(Config{Addr: h.addr(), Nick: "alice"}))
	s := h.accept()
	s.send("HELLO natter/1 Test hub")
	s.send("CAPS later=1 tls=50001 fp=%s claim store web=50080 fancy", testFingerprint)
	s.expect("NICK alice")
	s.send("WELCOME alice")
	s.send("USERS 0")
	s.send("HISTORY 0")
	s.expect("FILES")
	s.send("FILES 0")
	want := HubCaps{TLSPort: 50001, Fingerprint: testFingerprint, Claim: true, Store: true, WebPort: 50080}
	snap := waitFor(t, c, "caps", func(s *Snapshot) bool { return s.Conn.State == Registered && s.Caps != HubCaps{} })
	require.Equal(t, want, snap.Caps)

	// The hub stops storing history: its next CAPS leaves store out.
	s.send("CAPS tls=50001 fp=%s claim web=50080", testFingerprint)
	want.Store = false
	snap = waitFor(t, c, "caps without store", func(s *Snapshot) bool { return !s.Caps.Store })
	require.Equal(t, want, snap.Caps)

	// A new session, from a hub that sends no CAPS, offers nothing.
	s.conn.Close()
	s = h.accept()
	s.register("alice")
	snap = waitFor(t, c, "registered again", func(s *Snapshot) bool { return s.Conn.State == Registered && s.Caps == HubCaps{} })
	require.Equal(t, HubCaps{}, snap.Caps)
}

func TestParseHubCaps(t *testing.T) {
	for _, tc := range []struct {
		words string
		want  HubCaps
	}{
		{"claim", HubCaps{Claim: true}},
		{"store web=8080", HubCaps{Store: true, WebPort: 8080}},
		{"tls=50001 fp=" + testFingerprint, HubCaps{TLSPort: 50001, Fingerprint: testFingerprint}},
		// Values a word cannot have are ignored, as unknown words are.
		{"tls=0 web=65536 fp=abc", HubCaps{}},
		{"tls=+1 web=-5 tls=x", HubCaps{}},
		{"fp=" + strings.ToLower(testFingerprint), HubCaps{}},
		{"fp=" + testFingerprint[:fingerprintLen-1] + "1", HubCaps{}},
		{"claim=yes store=1", HubCaps{}},
		{"unknown other=3 TLS=5", HubCaps{}},
		// The last word of a name counts.
		{"web=1 web=2", HubCaps{WebPort: 2}},
	} {
		require.Equal(t, tc.want, parseHubCaps(tc.words), tc.words)
	}
}
