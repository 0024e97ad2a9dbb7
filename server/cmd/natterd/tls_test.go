package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/server"
)

var tlsLine = regexp.MustCompile(`TLS on (\S+); the hub's key has short code (\S+) \(fingerprint (\S+)\)`)

// runTLSHub runs natterd in process with args added to loopback addresses
// and returns its TLS address, the short code and fingerprint it printed,
// and its plaintext address.
func runTLSHub(t *testing.T, args ...string) (tlsAddr, short, fp, plain string) {
	t.Helper()
	stdout := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	args = append([]string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-announce=false", "-metrics-addr", ""}, args...)
	go func() { done <- run(ctx, args, env(nil), stdout, io.Discard) }()
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 0, code)
		case <-time.After(20 * time.Second):
			t.Error("run did not return")
		}
	})
	plain, _ = waitListening(t, stdout)
	m := tlsLine.FindStringSubmatch(stdout.String())
	require.NotNil(t, m, "natterd prints its TLS port and key: %q", stdout.String())
	return m[1], m[2], m[3], plain
}

// natterd makes its key in the data folder on first start, prints its
// short code and fingerprint, and has the same key on the next start.
func TestTLSKeyPrintedAndKept(t *testing.T) {
	dir, data := t.TempDir(), filepath.Join(t.TempDir(), "data")
	_, short, fp, _ := runTLSHub(t, "-dir", dir, "-data-dir", data)
	hub, err := identity.LoadOrCreateHub(data)
	require.NoError(t, err)
	assert.Equal(t, hub.Fingerprint().String(), fp)
	assert.Equal(t, hub.Fingerprint().ShortCode(), short)
	info, err := os.Stat(filepath.Join(data, identity.HubKeyFile))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	// Without -data-dir the key is kept in the data folder beside the
	// shared one, never in it.
	other := filepath.Join(t.TempDir(), "shared")
	_, _, fp2, _ := runTLSHub(t, "-dir", other)
	_, err = os.Stat(filepath.Join(filepath.Dir(other), "data", identity.HubKeyFile))
	require.NoError(t, err)
	_, _, fp3, _ := runTLSHub(t, "-dir", other)
	assert.Equal(t, fp2, fp3, "the key is kept")
	assert.NotEqual(t, fp, fp2, "each hub has its own key")
}

func TestTLSFlags(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		addr     string
		tls      string // "" for off
		dataDirs string
	}{
		{nil, server.DefaultAddr, server.DefaultTLSAddr, filepath.Join(filepath.Dir(server.DefaultDir), "data")},
		{[]string{"-addr", "10.0.0.1:6000"}, "10.0.0.1:6000", "10.0.0.1:6001", filepath.Join(filepath.Dir(server.DefaultDir), "data")},
		{[]string{"-addr", "127.0.0.1:0", "-data-dir", "/var/lib/natter"}, "127.0.0.1:0", "127.0.0.1:0", "/var/lib/natter"},
		{[]string{"-tls-addr", ""}, server.DefaultAddr, "", filepath.Join(filepath.Dir(server.DefaultDir), "data")},
		{[]string{"-addr", "", "-tls-addr", ":7000"}, server.NoAddr, ":7000", filepath.Join(filepath.Dir(server.DefaultDir), "data")},
	} {
		o, err := parseOptions(tt.args, env(nil), &bytes.Buffer{})
		require.NoError(t, err, "%v", tt.args)
		o.cfg.DataDir = dataDirFor(o.dataDir, o.cfg.Dir)
		o.tls.apply(&o.cfg)
		assert.Equal(t, tt.addr, o.cfg.Addr, "%v", tt.args)
		assert.Equal(t, tt.dataDirs, o.cfg.DataDir, "%v", tt.args)
		if tt.tls == "" {
			assert.Nil(t, o.cfg.TLS, "%v", tt.args)
		} else if assert.NotNil(t, o.cfg.TLS, "%v", tt.args) {
			assert.Equal(t, tt.tls, o.cfg.TLS.Addr, "%v", tt.args)
		}
	}
	_, err := parseOptions([]string{"-addr", "", "-tls-addr", ""}, env(nil), &bytes.Buffer{})
	assert.ErrorContains(t, err, "both empty")
	o, err := parseOptions(nil, env(map[string]string{"NATTER_TLS_ADDR": ":7001", "NATTER_DATA_DIR": "/srv/natter"}), &bytes.Buffer{})
	require.NoError(t, err)
	o.cfg.DataDir = dataDirFor(o.dataDir, o.cfg.Dir)
	o.tls.apply(&o.cfg)
	assert.Equal(t, ":7001", o.cfg.TLS.Addr)
	assert.Equal(t, "/srv/natter", o.cfg.DataDir)
}

// Stock openssl s_client speaks natter/1 to the TLS port: HELLO, CAPS with
// the key natterd printed, NICK, and a MSG echoed.
func TestOpenSSLClient(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("needs openssl (Debian package openssl)")
	}
	tlsAddr, _, fp, _ := runTLSHub(t, "-dir", t.TempDir(), "-name", "TLS hub")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, openssl, "s_client", "-connect", tlsAddr, "-tls1_3", "-quiet")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	lines := make(chan string, 64)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	next := func() string {
		t.Helper()
		select {
		case l, ok := <-lines:
			require.True(t, ok, "openssl s_client ended")
			return l
		case <-ctx.Done():
			t.Fatal("no line from openssl s_client")
		}
		return ""
	}
	assert.Equal(t, "HELLO natter/1 TLS hub", next())
	_, port, _ := net.SplitHostPort(tlsAddr)
	caps := next()
	assert.Contains(t, strings.Fields(caps), "fp="+fp, caps)
	assert.Contains(t, strings.Fields(caps), "tls="+port, caps)
	_, err = io.WriteString(stdin, "NICK alice\nMSG hello through openssl\n")
	require.NoError(t, err)
	echoed := false
	for range 20 {
		if l := next(); strings.HasPrefix(l, "MSG ") {
			assert.Regexp(t, `^MSG \d+ alice hello through openssl$`, l)
			echoed = true
			break
		}
	}
	assert.True(t, echoed, "the MSG came back")
	_, err = io.WriteString(stdin, "QUIT\n")
	require.NoError(t, err)
	assert.Equal(t, "BYE quit", next())
}
