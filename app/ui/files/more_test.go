package files_test

import (
	"fmt"
	"image"
	"testing"
	"time"

	"gioui.org/layout"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/files"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/client"
)

func heldFiles(n int) []client.File {
	now := time.Unix(1_800_000_000, 0)
	out := make([]client.File, n)
	for i := range out {
		out[i] = client.File{Name: fmt.Sprintf("file %03d", i), Size: 1, ModTime: now}
	}
	return out
}

// The list asks for the next page when it shows rows near the end of the
// files held, once per page, and not while the rows shown are far from it
// or every file is held.
func TestMoreAskedNearTheEnd(t *testing.T) {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	snap := &client.Snapshot{FilesTime: time.Unix(1_800_000_000, 0), Files: heldFiles(20), FilesTotal: 700}
	l := files.New()
	d := uitest.NewScreen(t, image.Pt(400, 600), func(gtx layout.Context) layout.Dimensions {
		return files.Style{Th: th, List: l, Snap: snap}.Layout(gtx)
	})
	d.Frame()
	assert.Equal(t, []files.Intent{files.More{}}, l.Intents(), "20 of 700 held, all in view")
	d.Frame()
	assert.Empty(t, l.Intents(), "the page is asked for once")

	snap = &client.Snapshot{FilesTime: snap.FilesTime, Files: heldFiles(500), FilesTotal: 700}
	d.Frame()
	assert.Empty(t, l.Intents(), "the rows shown are far from the end of 500")

	snap = &client.Snapshot{FilesTime: snap.FilesTime, Files: heldFiles(30), FilesTotal: 30}
	d.Frame()
	assert.Empty(t, l.Intents(), "every file is held")
}

func TestHeaderCountsWhatTheHubShares(t *testing.T) {
	snap := &client.Snapshot{FilesTime: time.Unix(1_800_000_000, 0), Files: heldFiles(500), FilesTotal: 1234}
	assert.Equal(t, "Shared files · 1234", files.Header(snap), "not only the pages held")
}
