package files_test

import (
	"errors"
	"image"
	"testing"
	"time"

	"gioui.org/io/key"
	"gioui.org/layout"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/files"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/uitest"
	"github.com/natter-chat/natter/core/client"
)

// screen drives a files list of two shared files, alone in a window.
type screen struct {
	*uitest.Driver
	list      *files.List
	canUpload bool
}

func newScreen(t *testing.T) *screen {
	th := theme.New(fonts.NewEmbeddedShaper(), false)
	now := time.Unix(1_800_000_000, 0)
	snap := &client.Snapshot{FilesTime: now, Files: []client.File{
		{Name: "notes.txt", Size: 12, ModTime: now},
		{Name: "photo.jpg", Size: 3000, ModTime: now},
	}}
	s := &screen{list: files.New(), canUpload: true}
	s.Driver = uitest.NewScreen(t, image.Pt(400, 600), func(gtx layout.Context) layout.Dimensions {
		return files.Style{Th: th, List: s.list, Snap: snap, CanUpload: s.canUpload}.Layout(gtx)
	})
	s.Frame()
	return s
}

func TestEachButtonAsksForItsAction(t *testing.T) {
	s := newScreen(t)
	l := s.list

	s.Press(l.DownloadButton("photo.jpg"))
	assert.Equal(t, []files.Intent{files.Download{Name: "photo.jpg"}}, l.Intents())
	assert.Empty(t, l.Intents(), "an intent is taken once")

	s.Press(l.RefreshButton())
	assert.Equal(t, []files.Intent{files.Refresh{}}, l.Intents())

	s.Press(l.UploadButton())
	assert.Equal(t, []files.Intent{files.PickUpload{}}, l.Intents(), "with a picker, Upload opens it")

	// Without a picker, Upload shows a field for the path instead.
	s.canUpload = false
	s.Press(l.UploadButton())
	assert.Empty(t, l.Intents())
	require.True(t, l.PathEntry)
	s.Press(l.PathUploadButton())
	assert.Empty(t, l.Intents(), "an empty path asks for nothing")
	assert.Contains(t, s.Labels(), "Type the path of the file to upload")

	s.TypeInto(&l.Path, " /home/alice/report.txt ")
	s.Key(key.NameReturn, 0)
	assert.Equal(t, []files.Intent{files.UploadPath{Path: "/home/alice/report.txt"}}, l.Intents())
}

func TestOutcomesShowOnTheList(t *testing.T) {
	s := newScreen(t)
	l := s.list

	l.Performed(files.Download{Name: "photo.jpg"}, errors.New("no slot free"))
	s.Frame()
	assert.Contains(t, s.Labels(), "Cannot download photo.jpg: no slot free")
	l.Performed(files.Download{Name: "photo.jpg"}, nil)
	s.Frame()
	assert.NotContains(t, s.Labels(), "Cannot download photo.jpg: no slot free", "a success clears the error")

	// A typed path stays until it uploads.
	l.PathEntry = true
	l.Path.SetText("/nowhere/report.txt")
	l.Performed(files.UploadPath{Path: "/nowhere/report.txt"}, errors.New("no such file"))
	s.Frame()
	assert.Contains(t, s.Labels(), "Cannot upload: no such file")
	assert.Equal(t, "/nowhere/report.txt", l.Path.Text())
	l.Performed(files.UploadPath{Path: "/nowhere/report.txt"}, nil)
	assert.Empty(t, l.Path.Text())
	assert.False(t, l.PathEntry)

	l.NoPicker(errors.New("no portal"))
	s.Frame()
	assert.True(t, l.PathEntry, "without a picker, the path field shows")
	assert.Contains(t, s.Labels(), "The file picker is not available (no portal); type the file's path instead.")
}
