// Package rawclient is a bare natter/1 connection to a hub, for tests: it
// sends lines as given and reads what the hub really delivered, with none of
// the client core's handling in between. Only tests import it.
package rawclient

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Client is one session on a hub. It answers the hub's PINGs only while
// it waits in Expect, so a test can also leave it silent.
type Client struct {
	t    testing.TB
	conn net.Conn
	r    *bufio.Reader
}

// Dial connects to the hub at addr and registers as nick; the connection
// is closed when the test ends.
func Dial(t testing.TB, addr, nick string) *Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	c := &Client{t: t, conn: conn, r: bufio.NewReader(conn)}
	c.Expect("HELLO ")
	c.Send("NICK " + nick)
	c.Expect("WELCOME " + nick)
	return c
}

// Send writes text and a line end. Text with line ends inside goes out as
// several lines in one write.
func (c *Client) Send(text string) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetWriteDeadline(time.Now().Add(10*time.Second)))
	_, err := fmt.Fprintf(c.conn, "%s\n", text)
	require.NoError(c.t, err)
}

// Expect reads lines until one starts with prefix and returns it without
// its line end; it fails the test when none comes within 30 seconds.
func (c *Client) Expect(prefix string) string {
	c.t.Helper()
	return c.ExpectContaining(prefix, "")
}

// ExpectContaining is Expect for a line that also contains substr.
func (c *Client) ExpectContaining(prefix, substr string) string {
	c.t.Helper()
	line, ok := c.ExpectWithin(prefix, substr, 30*time.Second)
	require.True(c.t, ok, "no line %q…%q from the hub", prefix, substr)
	return line
}

// ExpectWithin is ExpectContaining that gives up after d and reports
// whether the line came. Lines before it are skipped, and PINGs among
// them answered, so that the hub keeps the session.
func (c *Client) ExpectWithin(prefix, substr string, d time.Duration) (string, bool) {
	c.t.Helper()
	require.NoError(c.t, c.conn.SetReadDeadline(time.Now().Add(d)))
	for range 10_000 {
		line, err := c.r.ReadString('\n')
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return "", false
		}
		require.NoError(c.t, err, "waiting for %q", prefix)
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, prefix) && strings.Contains(line, substr) {
			return line, true
		}
		if tok, ok := strings.CutPrefix(line, "PING "); ok {
			c.Send("PONG " + tok)
		}
	}
	return "", false
}

// Close closes the connection, as a vanished client would.
func (c *Client) Close() error { return c.conn.Close() }
