package server

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

// capture runs tcpdump on the loopback interface for the TCP port of addr
// until stop is called, which returns every byte captured (a pcap file)
// and whether it came to hold mark.
func capture(t *testing.T, addr string) (stop func(mark []byte) ([]byte, bool)) {
	t.Helper()
	tcpdump, err := exec.LookPath("tcpdump")
	if err != nil {
		t.Skip("needs tcpdump (Debian package tcpdump)")
	}
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "capture.pcap")
	// Each slot of tcpdump's ring holds one packet of the snapshot length:
	// at the default (256 KiB) its 2 MiB ring holds 8 packets, and a burst
	// on loopback overflows it. Natter's packets here are small.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	cmd := exec.CommandContext(ctx, tcpdump, "-i", "lo", "-n", "-U", "--immediate-mode", "-s", "4096", "-B", "16384", "-w", file, "tcp port "+port)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	// tcpdump says "listening on lo" once it captures.
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "listening on") {
				ready <- nil
				io.Copy(io.Discard, stderr)
				return
			}
		}
		ready <- fmt.Errorf("tcpdump ended before it listened: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			cancel()
			cmd.Wait()
			t.Skipf("cannot capture on lo: %v", err)
		}
	case <-time.After(30 * time.Second):
		cancel()
		cmd.Wait()
		t.Fatal("tcpdump did not start listening")
	}
	stopped, complete := false, false
	stop = func(mark []byte) ([]byte, bool) {
		if !stopped {
			stopped = true
			complete = mark != nil && waitFor(file, mark)
			cmd.Process.Signal(syscall.SIGINT)
			cmd.Wait()
			cancel()
		}
		b, err := os.ReadFile(file)
		require.NoError(t, err)
		return b, complete
	}
	t.Cleanup(func() { stop(nil) })
	return stop
}

// waitFor waits, a bounded while, until the capture file holds mark:
// tcpdump writes each packet as it reads it (-U), and may read the last
// ones a moment after they were delivered.
func waitFor(file string, mark []byte) bool {
	for range 200 {
		if b, err := os.ReadFile(file); err == nil && bytes.Contains(b, mark) {
			return true
		}
		time.Sleep(25 * time.Millisecond)
	}
	return false
}

// privOver registers two clients through dial, as from and to, and has
// one send body to the other privately, returning once it arrived.
func privOver(t *testing.T, dial func() *testClient, from, to, body string) {
	t.Helper()
	alice, bob := dial(), dial()
	for _, c := range []struct {
		c    *testClient
		nick string
	}{{alice, from}, {bob, to}} {
		c.c.send("NICK " + c.nick)
		c.c.expect("WELCOME " + c.nick)
		c.c.readBlock(proto.KwUsers)
		c.c.readBlock(proto.KwHistory)
	}
	alice.send("PRIV " + to + " " + body)
	for range 10 {
		ev := bob.event()
		if ev.Keyword == proto.KwPriv {
			require.Equal(t, body, ev.Text)
			return
		}
	}
	t.Fatal("bob did not get the private message")
}

// captured runs session while tcpdump records the TCP port of addr, then
// sends a sentinel in clear to that port and returns the capture once it
// holds the sentinel: it then holds every packet before it. A capture
// that misses packets (tcpdump on a busy machine) is made again, a
// bounded number of times.
func captured(t *testing.T, addr string, session func(attempt int)) []byte {
	t.Helper()
	for attempt := range 3 {
		stop := capture(t, addr)
		session(attempt)
		sentinel := []byte("capture-sentinel-" + fmt.Sprint(time.Now().UnixNano()))
		raw, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		_, err = raw.Write(sentinel)
		require.NoError(t, err)
		raw.Close()
		if b, complete := stop(sentinel); complete {
			return b
		}
		t.Logf("capture %d missed packets; capturing again", attempt+1)
	}
	t.Fatal("no complete capture in 3 attempts")
	return nil
}

// Nothing of a TLS session is readable on the wire: a private message's
// body is not in a capture of the TLS port, while the same body sent on
// the plaintext port is in a capture of that port.
func TestTLSNothingReadableOnTheWire(t *testing.T) {
	h, addr, tlsAddr := startTLSHub(t, t.TempDir(), nil)
	fp, _ := h.Fingerprint()
	secret := "the-launch-code-is-" + fmt.Sprint(time.Now().UnixNano())

	encrypted := captured(t, tlsAddr, func(attempt int) {
		privOver(t, func() *testClient {
			c, _ := dialTLS(t, tlsAddr, nil, fp)
			return c
		}, fmt.Sprint("alice", attempt), fmt.Sprint("bob", attempt), secret)
	})
	assert.False(t, bytes.Contains(encrypted, []byte(secret)), "the private message is readable in the TLS capture")
	assert.False(t, bytes.Contains(encrypted, []byte("PRIV")), "a keyword is readable in the TLS capture")

	// The same capture of the plaintext port shows the body: the test
	// would see it if TLS let it through.
	plain := captured(t, addr, func(attempt int) {
		privOver(t, func() *testClient {
			c := dial(t, addr)
			c.event() // CAPS
			return c
		}, fmt.Sprint("carol", attempt), fmt.Sprint("dave", attempt), secret)
	})
	assert.True(t, bytes.Contains(plain, []byte(secret)), "the capture of the plaintext port holds the body")
}
