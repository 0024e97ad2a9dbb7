package people

import (
	"image"
	"testing"
	"time"

	"gioui.org/io/input"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/core/client"
)

// labels lays out the list once and returns the texts on screen, as
// screen readers see them.
func labels(th *theme.Theme, l *List, users []client.User, selected string) []string {
	var r input.Router
	var ops op.Ops
	for range 2 {
		ops.Reset()
		gtx := layout.Context{
			Ops: &ops, Now: time.Unix(1_800_000_000, 0),
			Metric:      unit.Metric{PxPerDp: 1, PxPerSp: 1},
			Constraints: layout.Exact(image.Pt(300, 400)),
			Source:      r.Source(),
		}
		Style{Th: th, List: l, Users: users, Selected: selected, ShowHeader: true}.Layout(gtx)
		r.Frame(&ops)
	}
	var out []string
	for _, n := range r.AppendSemantics(nil) {
		if n.Desc.Label != "" {
			out = append(out, n.Desc.Label)
		}
	}
	return out
}

func TestListFollowsUsersAndHighlightsTheRecipient(t *testing.T) {
	th := theme.New(theme.NewShaper(), false)
	l := New()
	users := []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}, {Nick: "straße"}}
	got := labels(th, l, users, "")
	assert.Contains(t, got, "People · 3 online")
	assert.Contains(t, got, "alice (you)")
	assert.NotContains(t, got, "private", "nobody is selected")
	assert.NotNil(t, l.Row("bob"))

	// The hub's nick rules: case folded in full, so STRASSE is straße.
	got = labels(th, l, users, "STRASSE")
	assert.Equal(t, 1, countOf(got, "private"), "the recipient is highlighted")

	// bob renames: the list shows the new nick only.
	users = []client.User{{Nick: "alice", Self: true}, {Nick: "Robert"}, {Nick: "straße"}}
	got = labels(th, l, users, "Robert")
	assert.Contains(t, got, "Robert")
	assert.NotContains(t, got, "bob")
	assert.Nil(t, l.Row("bob"))
	assert.NotNil(t, l.Row("Robert"))
	assert.Equal(t, 1, countOf(got, "private"))
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}
