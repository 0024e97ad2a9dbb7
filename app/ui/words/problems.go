package words

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/natter-chat/natter/core/client"
)

// Plain is what went wrong in err, in words a person understands and
// with what to do about it where there is something to do: the end of a
// sentence such as "Cannot open the folder: …". The error's own text,
// which names programs, system calls and Go packages, is for the log;
// only an error this package does not know the kind of is shown as it
// is, since the app's own errors (from the platform code) are written
// for people already.
func Plain(err error) string {
	var he *client.HubError
	var ee *exec.Error
	var pe *os.PathError
	var se *os.SyscallError
	var oe *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &he):
		return HubError(he)
	case errors.Is(err, exec.ErrNotFound):
		return "the program this needs is not installed on this device"
	case isDBus(err):
		return "the desktop's services are not running (log in to a full desktop session)"
	case errors.Is(err, client.ErrClosed), errors.Is(err, client.ErrNotStarted):
		return "you are not connected to the hub; sign in again"
	case errors.Is(err, client.ErrNoTransfers):
		return "this hub does not offer file transfers"
	case errors.Is(err, client.ErrNoSuchTransfer):
		return "that transfer is gone"
	case errors.Is(err, client.ErrNotRegular):
		return "that is a folder or a device, not a file"
	case errors.Is(err, os.ErrNotExist):
		return "there is no such file or folder; check the name"
	case errors.Is(err, os.ErrPermission):
		return "Natter is not allowed to do that here; check the folder's permissions"
	case errors.Is(err, syscall.EADDRINUSE):
		return "another program already uses the network port; close it and try again"
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full; make room and try again"
	case errors.As(err, &ee), errors.As(err, &pe), errors.As(err, &se), errors.As(err, &oe),
		strings.HasPrefix(err.Error(), "client: "):
		return "something went wrong on this device; try again (the details are in the log)"
	}
	return err.Error()
}

// isDBus reports whether err is the desktop bus being absent, which file
// pickers and notifications on Linux need: its packages say so only in
// their text ("unable to connect to session bus", "dbus-launch").
func isDBus(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "dbus") || strings.Contains(msg, "session bus")
}
