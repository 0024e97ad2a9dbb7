package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/tftp"
	"github.com/natter-chat/natter/server"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseOptionsDefaults(t *testing.T) {
	var out bytes.Buffer
	o, err := parseOptions(nil, env(nil), &out)
	require.NoError(t, err)
	d := server.DefaultConfig()
	assert.Equal(t, d, o.cfg)
	assert.Equal(t, server.TransferConfig{MaxUpload: server.DefaultMaxUpload}, o.transfers)
	assert.Equal(t, "text", o.logFormat)
	assert.True(t, o.announce)
	assert.Empty(t, out.String())
}

func TestParseOptionsFlagsAndEnv(t *testing.T) {
	args := []string{"-addr", "127.0.0.1:6000", "-name", "My hub", "-out-queue", "512KiB", "-rate", "5",
		"-idle-timeout", "2m", "-history", "0", "-log-format", "json"}
	vars := map[string]string{
		"NATTER_ADDR":                     "127.0.0.1:7000", // the flag wins
		"NATTER_UDP_ADDR":                 "127.0.0.1:7001",
		"NATTER_DIR":                      "/srv/natter",
		"NATTER_MAX_CLIENTS":              "42",
		"NATTER_BURST":                    "7",
		"NATTER_FLOOD_LIMIT":              "9",
		"NATTER_FLOOD_WINDOW":             "3s",
		"NATTER_READ_BUFFER":              "2K",
		"NATTER_REGISTER_TIMEOUT":         "5s",
		"NATTER_MAX_NICK_TRIES":           "3",
		"NATTER_PING_TIMEOUT":             "10s",
		"NATTER_FLUSH_TIMEOUT":            "500ms",
		"NATTER_MAX_TRANSFERS":            "8",
		"NATTER_MAX_TRANSFERS_PER_CLIENT": "2",
		"NATTER_UDP_PORTS":                "55000-55015",
		"NATTER_TFTP_PUBLIC":              "true",
		"NATTER_MAX_UPLOAD":               "100MiB",
		"NATTER_LOG_LEVEL":                "debug",
		"NATTER_LOG_FORMAT":               "text", // the flag wins
		"NATTER_ANNOUNCE":                 "false",
	}
	o, err := parseOptions(args, env(vars), &bytes.Buffer{})
	require.NoError(t, err)
	c := o.cfg
	assert.Equal(t, "127.0.0.1:6000", c.Addr)
	assert.Equal(t, "127.0.0.1:7001", c.UDPAddr)
	assert.Equal(t, "/srv/natter", c.Dir)
	assert.Equal(t, "My hub", c.Name)
	assert.Equal(t, server.NoHistory, c.History)
	assert.Equal(t, 42, c.MaxClients)
	assert.Equal(t, 5.0, c.MaxLineRate)
	assert.Equal(t, 7, c.LineBurst)
	assert.Equal(t, 9, c.FloodLimit)
	assert.Equal(t, 3*time.Second, c.FloodWindow)
	assert.Equal(t, 512<<10, c.OutQueueBytes)
	assert.Equal(t, 2048, c.ReadBufferSize)
	assert.Equal(t, 5*time.Second, c.RegisterTimeout)
	assert.Equal(t, 3, c.MaxNickTries)
	assert.Equal(t, 2*time.Minute, c.IdleTimeout)
	assert.Equal(t, 10*time.Second, c.PingTimeout)
	assert.Equal(t, 500*time.Millisecond, c.FlushTimeout)
	assert.Equal(t, 8, c.MaxTransfers)
	assert.Equal(t, 2, c.MaxTransfersPerClient)
	assert.Equal(t, server.TransferConfig{Public: true, PortMin: 55000, PortMax: 55015, MaxUpload: 100 << 20}, o.transfers)
	assert.Equal(t, "json", o.logFormat)
	assert.Equal(t, "DEBUG", o.logLevel.String())
	assert.False(t, o.announce)
}

func TestParseOptionsErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-out-queue", "lots"}, nil, "out-queue"},
		{[]string{"-rate", "x"}, nil, "rate"},
		{nil, map[string]string{"NATTER_MAX_CLIENTS": "many"}, "$NATTER_MAX_CLIENTS"},
		{nil, map[string]string{"NATTER_IDLE_TIMEOUT": "soon"}, "$NATTER_IDLE_TIMEOUT"},
		{[]string{"-log-format", "xml"}, nil, "text or json"},
		{[]string{"-log-level", "loud"}, nil, "log-level"},
		{[]string{"-history", "-1"}, nil, "history"},
		{[]string{"-ping-timeout", "0s"}, nil, "positive"},
		{[]string{"extra"}, nil, "unexpected argument"},
		{[]string{"-no-such-flag"}, nil, "no-such-flag"},
		{[]string{"-udp-ports", "55000"}, nil, "port range"},
		{[]string{"-udp-ports", "55015-55000"}, nil, "port range"},
		{[]string{"-udp-ports", "0-10"}, nil, "port range"},
		{[]string{"-udp-ports", "1-70000"}, nil, "port range"},
		{[]string{"-max-upload", "0"}, nil, "max-upload"},
		{[]string{"-max-upload", "big"}, nil, "max-upload"},
		{nil, map[string]string{"NATTER_TFTP_PUBLIC": "maybe"}, "$NATTER_TFTP_PUBLIC"},
		{nil, map[string]string{"NATTER_ANNOUNCE": "sometimes"}, "$NATTER_ANNOUNCE"},
	}
	for _, tt := range tests {
		_, err := parseOptions(tt.args, env(tt.env), &bytes.Buffer{})
		assert.ErrorContains(t, err, tt.want, "%v %v", tt.args, tt.env)
	}
}

func TestHelpListsEveryFlagAndEnv(t *testing.T) {
	var out bytes.Buffer
	_, err := parseOptions([]string{"-h"}, env(nil), &out)
	require.ErrorIs(t, err, flag.ErrHelp)
	for _, name := range []string{"addr", "udp-addr", "dir", "name", "history", "max-clients", "rate", "burst",
		"flood-limit", "flood-window", "out-queue", "read-buffer", "register-timeout", "max-nick-tries",
		"idle-timeout", "ping-timeout", "flush-timeout", "max-transfers", "max-transfers-per-client", "log-format", "log-level",
		"udp-ports", "tftp-public", "max-upload", "announce"} {
		assert.Regexp(t, `\n  -`+name+`[ \n]`, out.String(), name)
		assert.Contains(t, out.String(), "$"+envName(name)+"]", name)
	}
	assert.Equal(t, "NATTER_MAX_TRANSFERS_PER_CLIENT", envName("max-transfers-per-client"))
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "100": 100, "8MiB": 8 << 20, "8M": 8 << 20, "512KiB": 512 << 10,
		"1GiB": 1 << 30, "2KB": 2000, "3MB": 3e6, "10B": 10, " 4 KiB ": 4096,
		"1TiB": 1 << 40, "2T": 2 << 40, "3TB": 3e12, "1PiB": 1 << 50} {
		got, err := parseSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-1", "1.5MiB", "MiB", "8 parsecs", "99999999999GiB"} {
		_, err := parseSize(in)
		assert.Error(t, err, in)
	}
	assert.Equal(t, "8MiB", formatSize(8<<20))
	assert.Equal(t, "1TiB", formatSize(1<<40))
	assert.Equal(t, "1000", formatSize(1000))
}

// TestMaxUploadTiB sets -max-upload with a unit the help names.
func TestMaxUploadTiB(t *testing.T) {
	o, err := parseOptions([]string{"-max-upload", "1TiB"}, env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, int64(1<<40), o.transfers.MaxUpload)
}

// TestRunRefusesLongName checks that a hub name that would make HELLO longer
// than a hub line may be is refused before anything listens.
func TestRunRefusesLongName(t *testing.T) {
	var stderr bytes.Buffer
	args := []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-dir", t.TempDir(), "-announce=false",
		"-name", strings.Repeat("n", 9000)}
	assert.Equal(t, 1, run(context.Background(), args, env(nil), &bytes.Buffer{}, &stderr))
	assert.Contains(t, stderr.String(), "hub name")
	assert.Contains(t, stderr.String(), fmt.Sprintf("at most %d", server.MaxNameLen))
	assert.Less(t, stderr.Len(), 1024, "the error quotes the name shortened")

	var help bytes.Buffer
	_, err := parseOptions([]string{"-h"}, env(nil), &help)
	require.ErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, help.String(), "at most 128 bytes")
}

// TestRunInProcess runs natterd's run function and stops it with its context.
func TestRunInProcess(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared", "nested")
	stdout := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-tls-addr", "", "-dir", dir, "-name", "In process"}, env(nil), stdout, &bytes.Buffer{})
	}()
	addr, _ := waitListening(t, stdout)
	assert.DirExists(t, dir, "the shared folder is created")
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	r := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, "HELLO natter/1 In process\n", line)
	cancel()
	line, err = r.ReadString('\n')
	require.NoError(t, err)
	line = skipCaps(r, line)
	assert.Equal(t, "BYE shutdown\n", line)
	select {
	case code := <-done:
		assert.Equal(t, 0, code)
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return")
	}
	assert.Equal(t, 2, run(context.Background(), []string{"-rate", "fast"}, env(nil), stdout, &bytes.Buffer{}))
	assert.Equal(t, 0, run(context.Background(), []string{"-h"}, env(nil), stdout, &bytes.Buffer{}))
}

// TestRunServesTransfers runs natterd in public mode with a port range and
// fetches a file with a token and by name.
func TestRunServesTransfers(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("natter "), 10000)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "doc.txt"), data, 0o644))
	probe, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	base := probe.LocalAddr().(*net.UDPAddr).Port
	probe.Close()
	stdout := &syncBuffer{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-dir", dir,
			"-tftp-public", "-udp-ports", fmt.Sprintf("%d-%d", base, base+7), "-max-upload", "1KiB"}, env(nil), stdout, &bytes.Buffer{})
	}()
	defer func() {
		cancel()
		select {
		case code := <-done:
			assert.Equal(t, 0, code)
		case <-time.After(20 * time.Second):
			t.Fatal("run did not return")
		}
	}()
	tcpAddr, udpAddr := waitListening(t, stdout)
	tctx, tcancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer tcancel()

	var got bytes.Buffer
	_, err = tftp.Download(tctx, udpAddr, "doc.txt", nil, &got)
	require.NoError(t, err)
	assert.Equal(t, data, got.Bytes())

	conn, err := net.Dial("tcp", tcpAddr)
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)
	_, err = conn.Write([]byte("NICK bob\nPUT 2048 " + strings.Repeat("0", 64) + " big.bin\nGET doc.txt\n"))
	require.NoError(t, err)
	var lines []string
	for range 20 {
		line, err := r.ReadString('\n')
		require.NoError(t, err)
		lines = append(lines, line)
		if strings.HasPrefix(line, "GET ") {
			break
		}
	}
	assert.Contains(t, lines, "ERR 413 PUT too-large an upload may have at most 1024 bytes, \"big.bin\" has 2048\n")
	f := strings.Fields(lines[len(lines)-1])
	require.Len(t, f, 6)
	got.Reset()
	_, err = tftp.Download(tctx, net.JoinHostPort("127.0.0.1", f[2]), f[1], nil, &got)
	require.NoError(t, err)
	assert.Equal(t, data, got.Bytes())
}

var listenLine = regexp.MustCompile(`listening on (\S+),.*udp (\S+)`)

// waitListening waits for natterd's start-up line in stdout and returns its
// TCP and UDP addresses.
func waitListening(t testing.TB, stdout *syncBuffer, msgAndArgs ...any) (tcp, udp string) {
	t.Helper()
	var m []string
	require.Eventually(t, func() bool {
		m = listenLine.FindStringSubmatch(stdout.String())
		return m != nil
	}, 20*time.Second, 10*time.Millisecond, msgAndArgs...)
	return m[1], m[2]
}

// TestBinarySIGTERM builds natterd, runs it, and checks that SIGTERM makes
// it say BYE shutdown to a client and exit with status 0.
func TestBinarySIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildNatterd(t)

	dir := filepath.Join(t.TempDir(), "shared")
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-tls-addr", "", "-log-format", "json")
	cmd.Env = append(os.Environ(), "NATTER_DIR="+dir, "NATTER_NAME=Binary hub")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	})

	lines := bufio.NewReader(stdout)
	first, err := lines.ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	m := listenLine.FindStringSubmatch(first)
	require.NotNil(t, m, "first line %q", first)
	assert.DirExists(t, dir)

	conn, err := net.Dial("tcp", m[1])
	require.NoError(t, err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)
	line, _ := r.ReadString('\n')
	assert.Equal(t, "HELLO natter/1 Binary hub\n", line)
	_, err = conn.Write([]byte("NICK bob\n"))
	require.NoError(t, err)
	line, _ = r.ReadString('\n')
	line = skipCaps(r, line)
	assert.Equal(t, "WELCOME bob\n", line)

	start := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	var last string
	for range 20 {
		l, err := r.ReadString('\n')
		if err != nil {
			break
		}
		last = l
	}
	assert.Equal(t, "BYE shutdown\n", last)
	select {
	case err := <-exited:
		require.NoError(t, err, "exit status; stderr: %s", stderr.String())
		t.Logf("natterd exited %v after SIGTERM", time.Since(start))
	case <-time.After(20 * time.Second):
		t.Fatal("natterd did not exit after SIGTERM")
	}
	assert.Contains(t, stderr.String(), `"msg":"hub stopped"`)
}

// buildNatterd builds the natterd binary once per test binary, into a
// temporary folder removed by TestMain: linking it takes seconds, which
// the tests that time their own network set-up (netns) must not wait.
func buildNatterd(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
		}
		if built.dir, built.err = os.MkdirTemp("", "natterd-test-"); built.err != nil {
			return
		}
		bin := filepath.Join(built.dir, "natterd")
		out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			built.err = fmt.Errorf("go build: %v: %s", err, out)
			return
		}
		built.bin = bin
	})
	require.NoError(t, built.err)
	return built.bin
}

// built is the natterd binary the tests share.
var built struct {
	once sync.Once
	dir  string
	bin  string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
