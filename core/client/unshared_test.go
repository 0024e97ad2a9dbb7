package client

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestStateFollowsFilesThatComeIntoAndLeaveTheFolder(t *testing.T) {
	r := newStateRig(t, Config{})
	r.connect(r.apply(event{kind: evStart}))
	sum := strings.Repeat("ab", 32)
	r.hub("FILES 2 2")
	r.hub("FILE 3 " + sum + " 1700000000000 a.txt")
	r.hub("FILE 4 - 1700000000000 c.txt")
	names := func() []string {
		var out []string
		for _, f := range r.st.snapshot(0, 0).Files {
			out = append(out, f.Name)
		}
		return out
	}
	require.Equal(t, []string{"a.txt", "c.txt"}, names())

	// Copied into the hub's folder by hand: from "-", in name order.
	r.hub("SHARED 1700000000001 - 5 " + sum + " b notes.txt")
	require.Equal(t, []string{"a.txt", "b notes.txt", "c.txt"}, names())
	snap := r.st.snapshot(0, 0)
	require.Equal(t, "", snap.Shared[len(snap.Shared)-1].From, "from nobody")

	r.hub("UNSHARED 1700000000002 a.txt")
	require.Equal(t, []string{"b notes.txt", "c.txt"}, names())
	// A name not listed changes nothing.
	r.hub("UNSHARED 1700000000003 never.txt")
	require.Equal(t, []string{"b notes.txt", "c.txt"}, names())
}
