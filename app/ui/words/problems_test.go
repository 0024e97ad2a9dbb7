package words

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/natter-chat/natter/core/client"
)

func TestPlainHidesProgramInternals(t *testing.T) {
	_, lookErr := exec.LookPath("natter-no-such-program")
	if lookErr == nil {
		t.Fatal("a program with that name exists")
	}
	_, openErr := os.Open("/natter-no-such-dir/x")
	for _, c := range []struct {
		err  error
		want string
	}{
		{lookErr, "the program this needs is not installed on this device"},
		{fmt.Errorf("open %s: %w", "/tmp", &exec.Error{Name: "xdg-open", Err: exec.ErrNotFound}), "the program this needs is not installed on this device"},
		{errors.New(`unable to connect to session bus: exec: "dbus-launch": executable file not found in $PATH`), "the desktop's services are not running (log in to a full desktop session)"},
		{openErr, "there is no such file or folder; check the name"},
		{&os.PathError{Op: "open", Path: "/x", Err: syscall.EACCES}, "Natter is not allowed to do that here; check the folder's permissions"},
		{fmt.Errorf("hosting: listen: %w", &os.SyscallError{Syscall: "bind", Err: syscall.EADDRINUSE}), "another program already uses the network port; close it and try again"},
		{client.ErrClosed, "you are not connected to the hub; sign in again"},
		{&os.PathError{Op: "read", Path: "/x", Err: syscall.EIO}, "something went wrong on this device; try again (the details are in the log)"},
		{&client.HubError{Code: 409, Reason: "busy"}, Reason("busy")},
		// The app's own errors are written for people: shown as they are.
		{errors.New("no file manager on this device"), "no file manager on this device"},
	} {
		got := Plain(c.err)
		if got != c.want {
			t.Errorf("Plain(%q) = %q, want %q", c.err, got, c.want)
		}
		for _, internal := range []string{"exec:", "$PATH", "syscall", "client:", "hosting:", "/natter-no-such-dir"} {
			if strings.Contains(got, internal) {
				t.Errorf("Plain(%q) = %q shows %q", c.err, got, internal)
			}
		}
	}
	if Plain(nil) != "" {
		t.Error("Plain(nil) is not empty")
	}
}

func TestTransferFailureHidesTheNetworkError(t *testing.T) {
	err := &net.OpError{Op: "read", Net: "udp", Err: os.ErrDeadlineExceeded}
	got := Transfer(client.Transfer{Reason: client.XferFailed, Err: fmt.Errorf("download: %w", err)})
	if strings.Contains(got, "udp") || strings.Contains(got, "read") {
		t.Errorf("Transfer = %q shows the network error", got)
	}
	if !strings.HasPrefix(got, "Transfer failed: ") {
		t.Errorf("Transfer = %q", got)
	}
}
