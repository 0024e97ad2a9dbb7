package main

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The shipped unit's sandbox must stay tight: at most this exposure on
// `systemd-analyze security` (1.2 when it was written; MEDIUM starts at
// 5.0). systemd-run needs systemd as PID 1, which test machines may lack,
// so the sandboxed start itself is not exercised here.
const maxUnitExposure = 2.0

// unitForAnalysis copies the shipped unit into a temporary folder with
// ExecStart pointing at an executable that exists, as verify insists.
func unitForAnalysis(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "..", "natterd.service"))
	require.NoError(t, err)
	exe, err := os.Executable()
	require.NoError(t, err)
	text := regexp.MustCompile(`(?m)^ExecStart=\S+`).ReplaceAllString(string(src), "ExecStart="+exe)
	require.Contains(t, text, "ExecStart="+exe, "the unit has no ExecStart line")
	path := filepath.Join(t.TempDir(), "natterd.service")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
	return path
}

func systemdAnalyze(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze is not installed (Debian package systemd)")
	}
	return path
}

func TestUnitVerifies(t *testing.T) {
	tool := systemdAnalyze(t)
	out, err := exec.Command(tool, "verify", unitForAnalysis(t)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	// verify warns without failing (an unparsable Documentation= URL, an
	// unknown setting): any word from it is a defect in the unit.
	require.Empty(t, strings.TrimSpace(string(out)))
}

func TestUnitSandboxExposure(t *testing.T) {
	tool := systemdAnalyze(t)
	unit := unitForAnalysis(t)
	out, err := exec.Command(tool, "security", "--offline=yes", "--no-pager", unit).CombinedOutput()
	require.NoError(t, err, "%s", out)
	m := regexp.MustCompile(`Overall exposure level for natterd.service: (\d+\.\d)`).FindSubmatch(out)
	require.NotNil(t, m, "no overall exposure level in:\n%s", out)
	exposure, err := strconv.ParseFloat(string(m[1]), 64)
	require.NoError(t, err)
	t.Logf("exposure %.1f", exposure)
	require.LessOrEqual(t, exposure, maxUnitExposure, "the unit's sandbox got looser:\n%s", out)

	// What the hub needs must stay allowed: netlink for net.Interfaces
	// (multicast DNS), Unix datagrams for the readiness message.
	src, err := os.ReadFile(unit)
	require.NoError(t, err)
	for _, want := range []string{"AF_INET ", "AF_INET6", "AF_NETLINK", "AF_UNIX", "Type=notify", "StateDirectory=natterd"} {
		require.Contains(t, string(src), want)
	}
}

// TestReadiness runs the hub as systemd would with Type=notify: it must
// report READY=1 once its ports are open, and STOPPING=1 when it stops.
func TestReadiness(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	require.NoError(t, err)
	defer conn.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-udp-addr", "127.0.0.1:0", "-http-addr=", "-dir", t.TempDir(), "-announce=false"},
			env(map[string]string{"NOTIFY_SOCKET": sock}), stdout, io.Discard)
	}()
	read := func() string {
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		buf := make([]byte, 1024)
		n, err := conn.Read(buf)
		require.NoError(t, err, "no notification from the hub")
		return string(buf[:n])
	}
	ready := read()
	require.True(t, strings.HasPrefix(ready, "READY=1\nSTATUS=listening on 127.0.0.1:"), ready)
	// Ready means ready: the port it names takes a session at once.
	m := listenLine.FindStringSubmatch(stdout.String())
	require.NotNil(t, m, stdout.String())
	c, err := net.Dial("tcp", m[1])
	require.NoError(t, err)
	c.Close()

	cancel()
	require.Equal(t, "STOPPING=1", read())
	require.Equal(t, 0, <-done)
}
