package server

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// TestErrDetailsBounded sends long inputs that each get an ERR and checks
// every ERR line stays short: details quote input shortened.
func TestErrDetailsBounded(t *testing.T) {
	h := startHub(t, func(c *Config) { c.MaxNickTries = 100 })
	c, _, _ := register(t, h.addr, "alice")
	long := strings.Repeat(`\`, 8180)
	long2 := long[:8000] // for lines with more arguments
	sum := strings.Repeat("a", 64)
	for _, tt := range []struct {
		line   string
		code   int
		kw     string
		reason string
	}{
		{"PRIV " + long + " x", 404, proto.KwPriv, proto.ReasonNoSuchUser},
		{"NICK " + long, 400, proto.KwNick, proto.ReasonBadNick},
		{"USERS " + long, 400, proto.KwUsers, proto.ReasonBadSyntax},
		{"GET " + long, 400, proto.KwGet, proto.ReasonBadName},
		{"GET " + strings.Repeat("é", 125), 404, proto.KwGet, proto.ReasonNoSuchFile},
		{"PUT " + long2 + " " + sum + " a", 400, proto.KwPut, proto.ReasonBadSyntax},
		{"PUT 1 " + long2 + " a", 400, proto.KwPut, proto.ReasonBadSyntax},
		{"PUT 1 " + sum + " " + long2, 400, proto.KwPut, proto.ReasonBadName},
		{"PING " + long + " x", 400, proto.KwPing, proto.ReasonBadSyntax},
		{"MSG " + long + "\x01", 400, proto.KwMsg, proto.ReasonBadText},
		{long, 400, "", proto.ReasonUnknownCommand},
	} {
		c.send(tt.line)
		line := c.readLine()
		assert.LessOrEqual(t, len(line)+1, 512, "%.40q…: %.200q", tt.line, line)
		ev, err := proto.ParseEvent(line)
		require.NoError(t, err)
		require.Equal(t, proto.KwErr, ev.Keyword, line)
		assert.Equal(t, tt.code, ev.Err.Code, line)
		assert.Equal(t, tt.kw, ev.Err.Keyword, line)
		assert.Equal(t, tt.reason, ev.Err.Reason, line)
	}
}

// TestPrivLineTooLongOnceAddressed sends a PRIV line of the longest length
// allowed whose relayed form would be over the hub line limit: the
// recipient's registered nick is longer in bytes than the case-folded form
// the sender typed.
func TestPrivLineTooLongOnceAddressed(t *testing.T) {
	h := startHub(t, nil)
	sender := strings.Repeat("\U0001D400", proto.MaxNickLen) // 96 bytes
	recipient := strings.Repeat("\uFB00", proto.MaxNickLen)  // 72 bytes, folds to 48 × "f"
	typed := strings.Repeat("f", 2*proto.MaxNickLen)
	s, _, _ := register(t, h.addr, sender)
	r, _, _ := register(t, h.addr, recipient)
	s.skipTo("JOIN")

	prefix := "PRIV " + typed + " "
	body := strings.Repeat("b", proto.MaxLineLen-len(prefix)-1)
	require.Len(t, prefix+body+"\n", proto.MaxLineLen)
	s.send(prefix + body)
	e := s.expectErr(413, proto.KwPriv, proto.ReasonLineTooLong)
	assert.Contains(t, e.Detail, "once addressed")
	assert.Contains(t, e.Detail, fmt.Sprint(proto.MaxHubLineLen))

	// Nothing was delivered: the next lines each side gets are these.
	s.send("PING s")
	s.expect("PONG s")
	r.send("PING r")
	r.expect("PONG r")

	// One byte less than what fits is relayed, to both.
	over := privLineLen(now(), sender, recipient, body) - proto.MaxHubLineLen
	short := body[:len(body)-over]
	s.send(prefix + short)
	line := r.readLine()
	assert.LessOrEqual(t, len(line)+1, proto.MaxHubLineLen)
	ev, err := proto.ParseEvent(line)
	require.NoError(t, err)
	assert.Equal(t, recipient, ev.To)
	assert.True(t, ev.Text == short, "the body is relayed")
	assert.True(t, line == s.readLine(), "the sender gets the same line")
}

// TestMsgLongestNickFits relays the longest MSG line from the nick that is
// longest in bytes: time and nick fit in what a hub line may add.
func TestMsgLongestNickFits(t *testing.T) {
	h := startHub(t, nil)
	nick := strings.Repeat("\U0001D400", proto.MaxNickLen)
	c, _, _ := register(t, h.addr, nick)
	body := strings.Repeat(`\`, proto.MaxLineLen-len("MSG \n"))
	c.send("MSG " + body)
	line := c.readLine()
	assert.LessOrEqual(t, len(line)+1, proto.MaxHubLineLen)
	ev, err := proto.ParseEvent(line)
	require.NoError(t, err)
	assert.Equal(t, nick, ev.Nick)
	assert.True(t, fieldsAfter(line, 3) == body, "the body is relayed as sent")

	// LEAVE with the longest words fits too.
	other, _, _ := register(t, h.addr, "other")
	c.skipTo("JOIN")
	words := strings.Repeat("w", proto.MaxLineLen-len("QUIT \n"))
	c.send("QUIT " + words)
	line = other.readLine()
	assert.LessOrEqual(t, len(line)+1, proto.MaxHubLineLen)
	ev, err = proto.ParseEvent(line)
	require.NoError(t, err)
	assert.Equal(t, proto.KwLeave, ev.Keyword)
	assert.True(t, ev.Reason == proto.QuitReason(words), "the words are passed on")
}

// TestUsersConsistentWithJoinLeave has one client ask for USERS over and
// over while others join and quit, and checks that every USERS block lists
// exactly the users the JOIN and LEAVE lines before it say are online.
func TestUsersConsistentWithJoinLeave(t *testing.T) {
	h := startHub(t, func(c *Config) {
		c.MaxLineRate = 1e6
		c.LineBurst = 1e6
	})
	const rounds, churners, asks = 60, 4, 2000
	watcher, _, _ := register(t, h.addr, "watcher")

	var churn sync.WaitGroup
	for j := range churners {
		churn.Go(func() {
			for i := range rounds {
				conn, err := net.DialTimeout("tcp", h.addr, guard)
				if err != nil {
					t.Error(err)
					return
				}
				conn.SetDeadline(time.Now().Add(guard))
				fmt.Fprintf(conn, "NICK u%d-%d\nQUIT\n", i, j)
				var buf [4096]byte
				for range 1000 { // until the hub closes the connection
					if _, err := conn.Read(buf[:]); err != nil {
						break
					}
				}
				conn.Close()
			}
		})
	}
	sendDone := make(chan struct{})
	go func() {
		// Asks spread over the churn, a few at a time.
		defer close(sendDone)
		batch := []byte(strings.Repeat("USERS\n", 4))
		for range asks / 4 {
			watcher.conn.SetWriteDeadline(time.Now().Add(guard))
			if _, err := watcher.conn.Write(batch); err != nil {
				t.Error(err)
				return
			}
			time.Sleep(50 * time.Microsecond)
		}
	}()

	online := map[string]bool{"watcher": true}
	blocks := 0
	for blocks < asks {
		ev := watcher.event()
		switch ev.Keyword {
		case proto.KwJoin:
			online[ev.Nick] = true
		case proto.KwLeave:
			delete(online, ev.Nick)
		case proto.KwUsers:
			blocks++
			got := map[string]bool{}
			for range ev.Count {
				u := watcher.event()
				require.Equal(t, proto.KwUser, u.Keyword)
				got[u.Nick] = true
			}
			require.Equal(t, online, got, "USERS block %d disagrees with the JOIN and LEAVE lines before it", blocks)
		default:
			t.Fatalf("unexpected line %v", ev)
		}
	}
	<-sendDone
	churn.Wait()
}

// TestRegisterFirstForUnknownLines checks that before registration an
// unknown keyword or an empty line is answered with register-first.
func TestRegisterFirstForUnknownLines(t *testing.T) {
	h := startHub(t, nil)
	c := dial(t, h.addr)
	c.send("HELLO there")
	c.expectErr(401, "HELLO", proto.ReasonRegisterFirst)
	c.send("")
	c.expectErr(401, "", proto.ReasonRegisterFirst)
	c.send("x-1 y")
	c.expectErr(401, "", proto.ReasonRegisterFirst)
	// Malformed lines of the keywords allowed now still get their 400s.
	c.send("NICK")
	c.expectErr(400, proto.KwNick, proto.ReasonBadSyntax)
	c.send("PING")
	c.expectErr(400, proto.KwPing, proto.ReasonBadSyntax)
	c.send("PONG a b")
	c.expectErr(400, proto.KwPong, proto.ReasonBadSyntax)
	c.send("NICK ok")
	c.expect("WELCOME ok")
	c.readBlock(proto.KwUsers)
	c.readBlock(proto.KwHistory)
	c.send("HELLO there")
	c.expectErr(400, "HELLO", proto.ReasonUnknownCommand)
}

// TestQuitPlainly checks that QUIT with only spaces, and QUIT whose words
// are not valid text, end the session with a plain quit.
func TestQuitPlainly(t *testing.T) {
	h := startHub(t, nil)
	alice, _, _ := register(t, h.addr, "alice")

	bob, _, _ := register(t, h.addr, "bob")
	alice.skipTo("JOIN")
	bob.send("QUIT   ")
	bob.expect("BYE quit")
	bob.expectClosed()
	assert.Regexp(t, `^LEAVE \d+ bob quit$`, alice.readLine())

	carol, _, _ := register(t, h.addr, "carol")
	alice.skipTo("JOIN")
	carol.sendRaw("QUIT bye\x01now\n")
	carol.expectErr(400, proto.KwQuit, proto.ReasonBadText)
	carol.expect("BYE quit")
	carol.expectClosed()
	assert.Regexp(t, `^LEAVE \d+ carol quit$`, alice.readLine())

	// Before registration too.
	d := dial(t, h.addr)
	d.sendRaw("quit caf\xe9\n")
	d.expectErr(400, proto.KwQuit, proto.ReasonBadText)
	d.expect("BYE quit")
	d.expectClosed()
}

// TestSymlinkTargetsFollowNamingRules checks that a symlink is listed and
// served only when its target is a regular file directly in the folder
// whose own name is a valid shared name.
func TestSymlinkTargetsFollowNamingRules(t *testing.T) {
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { tc.Public = true })
	dir := th.dir
	writeFile(t, dir, "plain.txt", "plain")
	writeFile(t, dir, ".secret", "secret")
	writeFile(t, dir, uploadTempPrefix+"xyz", "half an upload")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	writeFile(t, filepath.Join(dir, "sub"), "inner.txt", "inner")
	for link, target := range map[string]string{
		"good-link":   "plain.txt",
		"dot-link":    "./plain.txt",
		"chain-link":  "good-link",
		"secret-link": ".secret",
		"upload-link": uploadTempPrefix + "xyz",
		"sub-link":    "sub/inner.txt",
		"subdir-link": "sub",
		"up-link":     "sub/../plain.txt",
		"chain-bad":   "secret-link",
		"loop-a":      "loop-b",
		"loop-b":      "loop-a",
	} {
		require.NoError(t, os.Symlink(target, filepath.Join(dir, link)))
	}
	c, _, _ := register(t, th.addr, "alice")
	c.send("FILES")
	var names []string
	for _, l := range c.readBlock(proto.KwFiles) {
		ev, err := proto.ParseEvent(l)
		require.NoError(t, err)
		names = append(names, ev.Name)
	}
	assert.Equal(t, []string{"chain-link", "dot-link", "good-link", "plain.txt"}, names)

	for _, name := range []string{"secret-link", "upload-link", "sub-link", "subdir-link", "up-link", "chain-bad", "loop-a"} {
		c.send("GET " + name)
		c.expectErr(404, proto.KwGet, proto.ReasonNoSuchFile)
		// Nor by name from a stock TFTP client in public mode.
		var got strings.Builder
		_, err := tftp.Download(testContext(t), th.udp, name, nil, &got)
		requireTFTPError(t, err, tftp.ErrFileNotFound)
		assert.Empty(t, got.String(), name)
	}
	g := c.grant("GET chain-link")
	assert.Equal(t, int64(len("plain")), g.Size)
	var got strings.Builder
	_, err := tftp.Download(testContext(t), hubUDP(g.Port), g.Token, nil, &got)
	require.NoError(t, err)
	assert.Equal(t, "plain", got.String())
}

// TestUploadOverflowSaysSo sends more data than PUT declared, from a raw
// TFTP client that leaves tsize out, and checks the ERROR says why, in
// words a client knows (checksum-mismatch) and not with code 3 (disk
// full), which a client would take for no-space.
func TestUploadOverflowSaysSo(t *testing.T) {
	th := startTransferHub(t, nil)
	c, _, _ := register(t, th.addr, "alice")
	declared := randomData(31, 1000)
	g := c.grant(fmt.Sprintf("PUT %d %s over.bin", len(declared), sha256Hex(declared)))

	conn, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(guard))
	wrq, err := tftp.AppendRequest(nil, tftp.OpWRQ, g.Token, "octet", nil)
	require.NoError(t, err)
	hub, err := net.ResolveUDPAddr("udp4", hubUDP(g.Port))
	require.NoError(t, err)
	_, err = conn.WriteTo(wrq, hub)
	require.NoError(t, err)
	buf := make([]byte, 2048)
	n, peer, err := conn.ReadFrom(buf)
	require.NoError(t, err)
	blk, err := tftp.ParseAck(buf[:n])
	require.NoError(t, err, "%x", buf[:n])
	require.Equal(t, uint16(0), blk)

	data := randomData(32, 3*512+100) // more than declared
	var last []byte
	for i := 0; ; i++ {
		end := min((i+1)*512, len(data))
		_, err = conn.WriteTo(tftp.AppendData(nil, uint16(i+1), data[i*512:end]), peer)
		require.NoError(t, err)
		n, _, err = conn.ReadFrom(buf)
		require.NoError(t, err)
		last = buf[:n]
		if op, _ := tftp.PacketOpcode(last); op != tftp.OpACK || end == len(data) {
			break
		}
	}
	op, err := tftp.PacketOpcode(last)
	require.NoError(t, err)
	require.Equal(t, tftp.OpERROR, op)
	e, err := tftp.ParseError(last)
	require.NoError(t, err)
	assert.Contains(t, e.Message, "more data than the 1000 bytes granted by PUT")
	// What a Natter client makes of it: a checksum refusal, not a full disk.
	seen := &tftp.PeerError{Packet: e}
	assert.ErrorIs(t, seen, tftp.ErrPeerChecksum, "ERROR %v", e)
	assert.NotErrorIs(t, seen, tftp.ErrPeerDiskFull, "ERROR %v", e)
	c.expectErr(422, proto.KwPut, proto.ReasonChecksumMismatch)
	requireDirSettles(t, th.dir)
}

// TestHubNameLimit checks that the hub name is text of at most MaxNameLen
// bytes, so that HELLO stays within a hub line.
func TestHubNameLimit(t *testing.T) {
	_, err := New(Config{Dir: t.TempDir(), Name: strings.Repeat("n", 9000)})
	require.ErrorContains(t, err, "hub name")
	assert.ErrorContains(t, err, fmt.Sprintf("at most %d", MaxNameLen))
	assert.Less(t, len(err.Error()), 512, "the error quotes the name shortened")
	_, err = New(Config{Dir: t.TempDir(), Name: strings.Repeat("é", MaxNameLen/2+1)})
	assert.ErrorContains(t, err, "hub name", "the limit is in bytes")

	name := strings.Repeat("é", MaxNameLen/2)
	h := startHub(t, func(c *Config) { c.Name = name })
	c := dialRaw(t, h.addr)
	assert.Equal(t, "HELLO natter/1 "+name, c.readLine())
}
