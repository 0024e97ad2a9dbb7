package transfers_test

import (
	"errors"
	"image"
	"path/filepath"
	"testing"

	"gioui.org/layout"
	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/transfers"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/client"
)

func TestEachRowButtonAsksForItsAction(t *testing.T) {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	done := filepath.Join(t.TempDir(), "notes.txt")
	snap := &client.Snapshot{Transfers: []client.Transfer{
		{ID: 1, Name: "big.bin", Direction: client.Download, State: client.TransferRunning, Bytes: 10, Total: 100, ETA: -1},
		{ID: 2, Name: "small.txt", Direction: client.Download, State: client.TransferFailed, Total: 5, ETA: -1},
		{ID: 3, Name: "notes.txt", Direction: client.Download, State: client.TransferDone, Total: 5, Path: done},
	}}
	l := transfers.New()
	d := uitest.NewScreen(t, image.Pt(400, 600), func(gtx layout.Context) layout.Dimensions {
		return transfers.Style{Th: th, List: l, Snap: snap, CanOpenFolder: true, ShowHeader: true}.Layout(gtx)
	})
	d.Frame()

	cancel, _, _ := l.Buttons(1)
	d.Press(cancel)
	assert.Equal(t, []transfers.Intent{transfers.Cancel{ID: 1}}, l.Intents())
	assert.Empty(t, l.Intents(), "an intent is taken once")

	_, retry, _ := l.Buttons(2)
	d.Press(retry)
	assert.Equal(t, []transfers.Intent{transfers.Retry{Transfer: snap.Transfers[1]}}, l.Intents())

	_, _, open := l.Buttons(3)
	d.Press(open)
	assert.Equal(t, []transfers.Intent{transfers.OpenFolder{Dir: filepath.Dir(done)}}, l.Intents())

	// What the UI reports back shows on the list.
	l.Performed(transfers.Cancel{ID: 1}, errors.New("already finished"))
	d.Frame()
	assert.Contains(t, d.Labels(), "Cannot cancel: already finished")
	l.Performed(transfers.Retry{Transfer: snap.Transfers[1]}, errors.New("the hub is away"))
	d.Frame()
	assert.Contains(t, d.Labels(), "Cannot retry: the hub is away")
	assert.Len(t, l.Visible(snap.Transfers), 3, "a failed retry keeps the row")
	l.Performed(transfers.Retry{Transfer: snap.Transfers[1]}, nil)
	d.Frame()
	assert.NotContains(t, d.Labels(), "Cannot retry: the hub is away")
	for _, tr := range l.Visible(snap.Transfers) {
		assert.NotEqual(t, client.TransferID(2), tr.ID, "a retried row gives way to the new transfer")
	}
	l.Performed(transfers.OpenFolder{Dir: filepath.Dir(done)}, errors.New("no file manager"))
	d.Frame()
	assert.Contains(t, d.Labels(), "Cannot open the folder: no file manager")
}
