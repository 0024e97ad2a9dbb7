package discovery

import (
	"slices"
	"strings"
	"sync"
)

// Path names used in statuses.
const (
	PathMulticast = "multicast"
	PathBroadcast = "broadcast"
)

// PathStatus says whether one discovery path works, and if not, why not.
type PathStatus struct {
	// Path is PathMulticast or PathBroadcast.
	Path string
	// Enabled is false when the options turned the path off.
	Enabled bool
	// Working is true when the last attempt sent on at least one
	// interface or address. It says nothing about whether anyone answered.
	Working bool
	// Using lists where the path works: "eth0 (IPv4)", "192.168.1.255:50000".
	Using []string
	// Problems lists every failure, each naming its interface or address.
	Problems []string
}

// String summarises the status in one line, for logs and the user interface.
func (s PathStatus) String() string {
	var b strings.Builder
	b.WriteString(s.Path)
	b.WriteString(": ")
	switch {
	case !s.Enabled:
		b.WriteString("off")
	case s.Working:
		b.WriteString("working via " + strings.Join(s.Using, ", "))
	default:
		b.WriteString("not working")
	}
	if len(s.Problems) > 0 {
		b.WriteString("; " + strings.Join(s.Problems, "; "))
	}
	return b.String()
}

// statusBoard collects successes and failures of one path, per round.
type statusBoard struct {
	mu  sync.Mutex
	cur PathStatus
}

func newStatusBoard(path string, enabled bool) *statusBoard {
	return &statusBoard{cur: PathStatus{Path: path, Enabled: enabled}}
}

// set replaces the status with the outcome of one round.
func (sb *statusBoard) set(using, problems []string) {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	slices.Sort(using)
	using = slices.Compact(using)
	sb.cur.Using = using
	sb.cur.Problems = problems
	sb.cur.Working = len(using) > 0
}

func (sb *statusBoard) get() PathStatus {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	s := sb.cur
	s.Using = slices.Clone(s.Using)
	s.Problems = slices.Clone(s.Problems)
	return s
}
