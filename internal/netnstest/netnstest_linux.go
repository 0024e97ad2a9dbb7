//go:build linux

package netnstest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Run runs a program to completion, for at most ten seconds, and returns an
// error that carries the program's output when it fails.
func Run(name string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// New makes one namespace for each suffix, named prefix, this process's id
// and the suffix, with its loopback interface up, or skips the test. The
// namespaces are removed when the test ends.
func New(t testing.TB, prefix string, suffixes ...string) []string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("network namespace tests need root")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("network namespace tests need the ip tool (iproute2)")
	}
	var names []string
	for _, sfx := range suffixes {
		name := fmt.Sprintf("%s%d%s", prefix, os.Getpid(), sfx)
		if err := Run("ip", "netns", "add", name); err != nil {
			t.Skipf("cannot create a network namespace: %v", err)
		}
		t.Cleanup(func() { assert.NoError(t, Run("ip", "netns", "del", name)) })
		require.NoError(t, Run("ip", "-n", name, "link", "set", "lo", "up"))
		names = append(names, name)
	}
	return names
}

// Link joins namespaces x and y by a veth pair with the given interface
// names and addresses (with prefix length, as in 10.0.0.1/24). IPv6
// link-local addresses come a moment later, once duplicate address
// detection has passed.
func Link(t testing.TB, x, xIf, xAddr, y, yIf, yAddr string) {
	t.Helper()
	link(t, x, xIf, xAddr, y, yIf, yAddr, true)
}

// LinkNoDAD is Link with duplicate address detection off on both ends, so
// that IPv6 link-local addresses are usable as soon as the links are up.
func LinkNoDAD(t testing.TB, x, xIf, xAddr, y, yIf, yAddr string) {
	t.Helper()
	link(t, x, xIf, xAddr, y, yIf, yAddr, false)
}

func link(t testing.TB, x, xIf, xAddr, y, yIf, yAddr string, dad bool) {
	t.Helper()
	steps := [][]string{
		{"ip", "-n", x, "link", "add", xIf, "type", "veth", "peer", "name", yIf, "netns", y},
	}
	if !dad {
		// Before the links go up, when the link-local addresses are made.
		steps = append(steps,
			[]string{"ip", "netns", "exec", x, "sysctl", "-qw", "net.ipv6.conf." + xIf + ".accept_dad=0"},
			[]string{"ip", "netns", "exec", y, "sysctl", "-qw", "net.ipv6.conf." + yIf + ".accept_dad=0"})
	}
	steps = append(steps, [][]string{
		{"ip", "-n", x, "addr", "add", xAddr, "dev", xIf},
		{"ip", "-n", y, "addr", "add", yAddr, "dev", yIf},
		{"ip", "-n", x, "link", "set", xIf, "up"},
		{"ip", "-n", y, "link", "set", yIf, "up"},
	}...)
	for _, s := range steps {
		require.NoError(t, Run(s[0], s[1:]...))
	}
}

// Go runs f in a new goroutine on an OS thread that has joined namespace ns,
// and fails the test at once when the thread cannot join it. Sockets made by
// f stay in ns whatever thread later uses them. The thread stays locked and
// is discarded afterwards, so no other goroutine ever runs in ns by
// accident. The returned channel is closed once f has returned.
func Go(t testing.TB, ns string, f func()) (done <-chan struct{}) {
	t.Helper()
	joined := make(chan error, 1)
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		fd, err := unix.Open("/run/netns/"+ns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			joined <- err
			return
		}
		err = unix.Setns(fd, unix.CLONE_NEWNET)
		unix.Close(fd)
		joined <- err
		if err != nil {
			return
		}
		f()
	}()
	require.NoError(t, <-joined, "joining namespace %s", ns)
	return fin
}

// Start runs a program in namespace ns, with environment env, until the test
// ends or stop is called; stop interrupts it and logs its output.
func Start(t testing.TB, env []string, ns string, args ...string) (stop func()) {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, args...)...)
	cmd.Env = env
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		endProcess(cmd, os.Interrupt)
		t.Logf("%s output:\n%s", args[0], out.String())
	}
	t.Cleanup(stop)
	return stop
}

// endProcess sends sig to cmd's process and waits for it to exit, killing
// it when it has not within five seconds.
func endProcess(cmd *exec.Cmd, sig os.Signal) {
	_ = cmd.Process.Signal(sig)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// StartAvahi runs avahi-daemon in namespace ns on interface ifname, IPv4
// only, with a private D-Bus, until the test ends; it returns the
// environment for the avahi tools. The daemon publishes services only when
// publish is set. StartAvahi skips the test when avahi or dbus-daemon is
// missing or a system avahi-daemon already runs (its pid file would clash).
func StartAvahi(t testing.TB, ns, ifname string, publish bool) []string {
	t.Helper()
	tools := []string{"avahi-daemon", "avahi-browse", "dbus-daemon"}
	if publish {
		tools = append(tools, "avahi-publish")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if exec.Command("avahi-daemon", "--check").Run() == nil {
		t.Skip("an avahi-daemon is already running")
	}
	dir := t.TempDir()
	bus := filepath.Join(dir, "bus")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bus.conf"), []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=`+bus+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`), 0o600))
	disablePublishing := "yes"
	if publish {
		disablePublishing = "no"
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "avahi.conf"), []byte(`[server]
use-ipv4=yes
use-ipv6=no
allow-interfaces=`+ifname+`
enable-dbus=yes
[wide-area]
enable-wide-area=no
[publish]
disable-publishing=`+disablePublishing+`
`), 0o600))
	env := append(os.Environ(), "DBUS_SYSTEM_BUS_ADDRESS=unix:path="+bus)

	start := func(name string, args ...string) {
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Skipf("cannot start %s: %v", name, err)
		}
		t.Cleanup(func() {
			// Terminated, not killed, so avahi-daemon removes its pid file.
			endProcess(cmd, syscall.SIGTERM)
			if t.Failed() {
				t.Logf("%s output:\n%s", name, out.String())
			}
		})
	}
	start("dbus-daemon", "--config-file="+filepath.Join(dir, "bus.conf"), "--nofork")
	for i := 0; ; i++ {
		if _, err := os.Stat(bus); err == nil {
			break
		}
		if i == 250 {
			t.Skip("private dbus-daemon did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	start("ip", "netns", "exec", ns, "avahi-daemon", "-f", filepath.Join(dir, "avahi.conf"),
		"--no-drop-root", "--no-chroot", "--no-rlimits")

	// The daemon is ready once a browse through it ends cleanly.
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, "avahi-browse", "-tp", "_ready._tcp")
		cmd.Env = env
		err := cmd.Run()
		cancel()
		if err == nil {
			return env
		}
		if i == 50 {
			t.Skipf("avahi-daemon did not come up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// AvahiBrowse runs avahi-browse once in namespace ns, with the environment
// StartAvahi returned, to list and resolve the instances of service (such
// as _natter._tcp). It returns the tool's output and, for each resolved
// instance, the fields of its line: "=", interface, protocol, instance name
// (escaped the way avahi-browse -p escapes it), type, domain, host name,
// address, port and TXT record.
func AvahiBrowse(env []string, ns, service string) (out string, resolved [][]string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "avahi-browse", "-rtp", service)
	cmd.Env = env
	b, _ := cmd.CombinedOutput()
	out = string(b)
	for line := range strings.SplitSeq(out, "\n") {
		if strings.HasPrefix(line, "=;") {
			resolved = append(resolved, strings.Split(line, ";"))
		}
	}
	return out, resolved
}
