// Package sdnotify tells a service manager how a daemon is doing, with the
// notification protocol of systemd's sd_notify(3): a datagram of
// "NAME=value" lines sent to the Unix socket named in $NOTIFY_SOCKET.
//
// A unit with Type=notify starts the units that need it only once the
// daemon has sent Ready, so a hub that is listening is told apart from one
// that is still opening its ports.
package sdnotify

import (
	"errors"
	"fmt"
	"net"
	"strings"
)

// States a daemon reports.
const (
	Ready    = "READY=1"
	Stopping = "STOPPING=1"
)

// Status returns the state line that shows text in `systemctl status`.
func Status(text string) string {
	// One line: a line break would start a new NAME=value pair.
	return "STATUS=" + strings.NewReplacer("\n", " ", "\r", " ").Replace(text)
}

// Notify sends the given state lines to the socket named by NOTIFY_SOCKET,
// as getenv reports it. Without one (not started by a service manager) it
// does nothing and reports false. A name starting with '@' is a socket in
// the abstract namespace.
func Notify(getenv func(string) string, states ...string) (bool, error) {
	name := getenv("NOTIFY_SOCKET")
	if name == "" {
		return false, nil
	}
	if len(states) == 0 {
		return false, errors.New("sdnotify: no state to send")
	}
	for _, s := range states {
		if !strings.Contains(s, "=") || strings.ContainsAny(s, "\n") {
			return false, fmt.Errorf("sdnotify: %q is not one NAME=value line", s)
		}
	}
	addr := &net.UnixAddr{Name: name, Net: "unixgram"}
	if name[0] == '@' {
		addr.Name = "\x00" + name[1:]
	} else if name[0] != '/' {
		return false, fmt.Errorf("sdnotify: NOTIFY_SOCKET %q is neither a path nor an abstract name", name)
	}
	conn, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return false, fmt.Errorf("sdnotify: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(strings.Join(states, "\n"))); err != nil {
		return false, fmt.Errorf("sdnotify: sending to %s: %w", name, err)
	}
	return true, nil
}
