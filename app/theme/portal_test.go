//go:build !js

package theme

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startBus starts a private D-Bus daemon for the test, with no services
// to start on demand, and returns its address.
func startBus(t *testing.T) string {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("dbus-daemon is not installed (Debian: dbus)")
	}
	dir := t.TempDir()
	conf := filepath.Join(dir, "bus.conf")
	require.NoError(t, os.WriteFile(conf, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=`+filepath.Join(dir, "bus")+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600))
	cmd := exec.Command(daemon, "--config-file="+conf, "--nofork", "--print-address")
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		addr <- strings.TrimSpace(line)
	}()
	select {
	case a := <-addr:
		require.NotEmpty(t, a, "dbus-daemon printed no address")
		return a
	case <-time.After(10 * time.Second):
		t.Fatal("dbus-daemon did not start")
		return ""
	}
}

// standIn plays the settings portal: it answers Read with value, or, with
// hang set, not at all until the test ends.
type standIn struct {
	mu    sync.Mutex
	value dbus.Variant
	hang  chan struct{}
}

func (p *standIn) Read(namespace, key string) (dbus.Variant, *dbus.Error) {
	p.mu.Lock()
	v, hang := p.value, p.hang
	p.mu.Unlock()
	if hang != nil {
		<-hang
	}
	if namespace != appearance || key != colorScheme {
		return dbus.Variant{}, dbus.NewError("org.freedesktop.portal.Error.NotFound", []any{"no such setting"})
	}
	return v, nil
}

func (p *standIn) set(v dbus.Variant) {
	p.mu.Lock()
	p.value = v
	p.mu.Unlock()
}

func TestPortalDarkAsksTheSettingsPortal(t *testing.T) {
	addr := startBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ask := func() (bool, error) {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return PortalDark(ctx, addr)
	}

	// No portal on the bus: an error, and the caller takes light.
	_, err := ask()
	assert.ErrorContains(t, err, "settings portal", "nobody owns the portal's name")

	conn, err := dbus.Connect(addr)
	require.NoError(t, err)
	defer conn.Close()
	portal := &standIn{}
	require.NoError(t, conn.Export(portal, portalPath, "org.freedesktop.portal.Settings"))
	reply, err := conn.RequestName(portalName, dbus.NameFlagDoNotQueue)
	require.NoError(t, err)
	require.Equal(t, dbus.RequestNameReplyPrimaryOwner, reply)

	for _, c := range []struct {
		name  string
		value dbus.Variant
		dark  bool
	}{
		{"prefers dark, wrapped as Read wraps it", dbus.MakeVariant(dbus.MakeVariant(uint32(1))), true},
		{"prefers light", dbus.MakeVariant(dbus.MakeVariant(uint32(2))), false},
		{"no preference", dbus.MakeVariant(dbus.MakeVariant(uint32(0))), false},
		{"prefers dark, unwrapped as ReadOne answers", dbus.MakeVariant(uint32(1)), true},
	} {
		portal.set(c.value)
		dark, err := ask()
		require.NoError(t, err, c.name)
		assert.Equal(t, c.dark, dark, c.name)
	}

	portal.set(dbus.MakeVariant(dbus.MakeVariant("dark")))
	_, err = ask()
	assert.ErrorContains(t, err, "not a number", "a value of the wrong type is an error, not a guess")

	// A portal that never answers is given up on when the context ends.
	hang := make(chan struct{})
	defer close(hang)
	portal.mu.Lock()
	portal.hang = hang
	portal.mu.Unlock()
	short, cancelShort := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancelShort()
	_, err = PortalDark(short, addr)
	assert.Error(t, err, "no answer is an error")
}
