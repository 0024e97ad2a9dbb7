// Package files is the list of files the hub shares, with a download
// button per file, and the upload and refresh actions.
package files

import (
	"fmt"
	"strings"
	"time"

	"gioui.org/io/event"
	"gioui.org/layout"
	"gioui.org/op/paint"
	"gioui.org/widget"
	"gioui.org/widget/material"

	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/icons"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// Intent is what the user asked of the files screen: Refresh, More,
// Download, PickUpload or UploadPath. The top-level UI carries it out and reports
// back with List.Performed.
type Intent interface{ filesIntent() }

// Refresh asks the hub for its list of files again.
type Refresh struct{}

// More asks for the next page of a long list: the list was scrolled
// near the end of the files it holds.
type More struct{}

// Download fetches the shared file Name.
type Download struct{ Name string }

// PickUpload opens the platform's file picker and uploads what the user
// chooses.
type PickUpload struct{}

// UploadPath uploads the file at Path, typed where there is no picker.
type UploadPath struct{ Path string }

func (Refresh) filesIntent()    {}
func (More) filesIntent()       {}
func (Download) filesIntent()   {}
func (PickUpload) filesIntent() {}
func (UploadPath) filesIntent() {}

// List is the files screen's state.
type List struct {
	list    widget.List
	rows    []row
	refresh kit.IconClickable
	upload  kit.IconClickable
	// openShared opens the shared folder of a hub hosted here.
	openShared kit.IconClickable
	intents    kit.Intents[Intent]
	// moreAt is the count of files held when More was last asked, so that
	// one page is asked for once.
	moreAt int

	// PathEntry shows a field to type the path of a file to upload, for
	// desktops without a file picker.
	PathEntry  bool
	Path       widget.Editor
	pathUpload widget.Clickable
	// Err is why the last action failed, shown over the list.
	Err string
}

type row struct {
	name string
	btn  kit.IconClickable
	// have is set when the file is already downloaded: open replaces btn.
	have bool
	open kit.IconClickable
	// preview is set when the row shows a picture of the file.
	preview bool
}

// New returns an empty files list.
func New() *List {
	l := &List{}
	l.list.Axis = layout.Vertical
	l.Path.SingleLine, l.Path.Submit = true, true
	return l
}

// PathUploadButton is the button next to the path field, for tests.
func (l *List) PathUploadButton() *widget.Clickable { return &l.pathUpload }

// Intents returns, once, what the user asked for since the last call,
// oldest first.
func (l *List) Intents() []Intent { return l.intents.Take() }

// Performed tells the list how carrying out in went: an error shows over
// the list; a typed path that uploads is cleared.
func (l *List) Performed(in Intent, err error) {
	if err != nil {
		switch in := in.(type) {
		case Download:
			l.Err = "Cannot download " + in.Name + ": " + words.Plain(err)
		case PickUpload, UploadPath:
			l.Err = "Cannot upload: " + words.Plain(err)
		case Refresh:
			l.Err = "Cannot refresh the list: " + words.Plain(err)
		case Open:
			l.Err = "Cannot open " + in.Name + ": " + words.Plain(err)
		case OpenShared:
			l.Err = "Cannot open the folder: " + words.Plain(err)
		}
		return
	}
	l.Err = ""
	if _, ok := in.(UploadPath); ok {
		l.Path.SetText("")
		l.PathEntry = false
	}
}

// NoPicker tells the list that the file picker could not open, for err:
// it offers the field to type a path instead.
func (l *List) NoPicker(err error) {
	l.Err = "The file picker is not available (" + words.Plain(err) + "); type the file's path instead."
	l.PathEntry = true
}

// DownloadButton returns the download button of the file name, for tests.
func (l *List) DownloadButton(name string) *widget.Clickable {
	for i := range l.rows {
		if l.rows[i].name == name {
			return &l.rows[i].btn.Clickable
		}
	}
	return nil
}

// RefreshButton and UploadButton are the clickables, for tests.
func (l *List) RefreshButton() *widget.Clickable { return &l.refresh.Clickable }
func (l *List) UploadButton() *widget.Clickable  { return &l.upload.Clickable }

// Header is the title with the count.
func Header(snap *client.Snapshot) string {
	if snap.FilesTime.IsZero() {
		return "Shared files"
	}
	// The hub's count, of which the list may hold only the first pages.
	return fmt.Sprintf("Shared files · %d", max(len(snap.Files), snap.FilesTotal))
}

// Style draws a List.
type Style struct {
	Th   *theme.Theme
	List *List
	Snap *client.Snapshot
	// CanUpload is false where no file picker is available.
	CanUpload bool
	// CanOpenShared offers "Open shared folder": the hub is hosted here.
	CanOpenShared bool
	// Have reports whether a file is already in the download folder (same
	// name and SHA-256); nil means none is.
	Have func(client.File) bool
	// Preview is a small picture of an image file, when one is ready; nil
	// means none is.
	Preview func(client.File) (paint.ImageOp, bool)
}

func (s Style) sync() {
	l := s.List
	if len(l.rows) != len(s.Snap.Files) {
		l.rows = make([]row, len(s.Snap.Files))
	}
	for i, f := range s.Snap.Files {
		if l.rows[i].name != f.Name {
			l.rows[i] = row{name: f.Name}
		}
	}
}

// update turns clicks on the buttons, and Enter in the path field, into
// intents.
func (l *List) update(gtx C, canUpload bool) {
	if l.refresh.Clicked(gtx) {
		l.Err = ""
		l.intents.Add(Refresh{})
	}
	if l.upload.Clicked(gtx) {
		if canUpload {
			l.intents.Add(PickUpload{})
		} else {
			l.PathEntry = !l.PathEntry
		}
	}
	submit := l.pathUpload.Clicked(gtx)
	for {
		ev, ok := l.Path.Update(gtx)
		if !ok {
			break
		}
		if _, ok := ev.(widget.SubmitEvent); ok {
			submit = true
		}
	}
	if submit {
		if path := strings.TrimSpace(l.Path.Text()); path != "" {
			l.intents.Add(UploadPath{Path: path})
		} else {
			l.Err = "Type the path of the file to upload"
		}
	}
	downloads := make([]event.Tag, len(l.rows))
	for i := range l.rows {
		if l.rows[i].btn.Clicked(gtx) {
			l.intents.Add(Download{Name: l.rows[i].name})
		}
		downloads[i] = &l.rows[i].btn.Clickable
	}
	kit.ArrowFocus(gtx, downloads, &l.list)
	l.updateShared(gtx)
	l.updateHave(gtx)
}

// Layout handles the buttons, then lays out the header with its actions
// and the list (or a note when it is empty).
func (s Style) Layout(gtx C) D {
	l := s.List
	th := s.Th
	l.update(gtx, s.CanUpload)
	s.sync()
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
				layout.Flexed(1, func(gtx C) D { return kit.SectionHeader(gtx, th, Header(s.Snap)) }),
				layout.Rigid(s.openSharedButton),
				layout.Rigid(kit.IconButton(th, &l.upload, icons.Upload, th.Primary, "Upload a file").EndTip().Layout),
				layout.Rigid(kit.IconButton(th, &l.refresh, icons.Refresh, th.Primary, "Refresh the list").EndTip().Layout),
				layout.Rigid(layout.Spacer{Width: 4}.Layout),
			)
		}),
		layout.Rigid(func(gtx C) D {
			if !l.PathEntry {
				return D{}
			}
			return s.pathEntry(gtx)
		}),
		layout.Rigid(func(gtx C) D { return kit.ErrorLine(gtx, th, l.Err) }),
		layout.Flexed(1, func(gtx C) D {
			if s.Snap.FilesTime.IsZero() && len(s.Snap.Files) == 0 {
				return layout.UniformInset(12).Layout(gtx,
					kit.Label(th, 14, th.TextMuted, "Asking the hub for its files…").Layout)
			}
			if len(s.Snap.Files) == 0 {
				return layout.UniformInset(12).Layout(gtx,
					kit.Label(th, 14, th.TextMuted, "No files are shared yet. Upload one to share it with everyone here.").Layout)
			}
			d := material.List(th.Theme, &l.list).Layout(gtx, len(s.Snap.Files), func(gtx C, i int) D {
				return s.row(gtx, i)
			})
			s.askMore()
			return d
		}),
	)
}

func (s Style) pathEntry(gtx C) D {
	th := s.Th
	l := s.List
	return layout.Inset{Left: 12, Right: 8, Bottom: 8}.Layout(gtx, func(gtx C) D {
		return layout.Flex{Alignment: layout.Middle}.Layout(gtx,
			layout.Flexed(1, func(gtx C) D {
				return kit.Background(gtx, th.SurfaceAlt, 6, func(gtx C) D {
					return layout.UniformInset(8).Layout(gtx, func(gtx C) D {
						gtx.Constraints.Min.X = gtx.Constraints.Max.X
						e := material.Editor(th.Theme, &l.Path, "Path of the file to share")
						e.TextSize = 14
						e.HintColor = th.TextMuted
						return e.Layout(gtx)
					})
				})
			}),
			layout.Rigid(layout.Spacer{Width: 6}.Layout),
			layout.Rigid(kit.Button(th, &l.pathUpload, "Upload", true).Layout),
		)
	})
}

func (s Style) row(gtx C, i int) D {
	th := s.Th
	f := s.Snap.Files[i]
	now := gtx.Now
	if now.IsZero() {
		now = time.Now()
	}
	detail := kit.Bytes(f.Size)
	if s.List.rows[i].have {
		detail += " · already downloaded"
	}
	if age := kit.Age(now, f.ModTime); age != "" {
		detail += " · " + age
	}
	return layout.Inset{Top: 4, Bottom: 4, Left: 12, Right: 4}.Layout(gtx, func(gtx C) D {
		return kit.LeadRow(gtx, s.lead(i),
			[]layout.FlexChild{
				layout.Rigid(kit.OneLine(kit.Label(th, 14, th.Text, f.Name))),
				layout.Rigid(kit.Label(th, 12, th.TextMuted, detail).Layout),
			},
			layout.Rigid(func(gtx C) D { return s.action(gtx, i) }),
		)
	})
}

// moreMargin is how many rows before the end of the files held the list
// asks for the next page, so that it is there before it is scrolled to.
const moreMargin = 50

// askMore asks for the next page once the rows laid out come within
// moreMargin of the end of the files held, while the hub has more.
func (s Style) askMore() {
	l, held := s.List, len(s.Snap.Files)
	if held >= s.Snap.FilesTotal || held == l.moreAt {
		return
	}
	if pos := l.list.Position; pos.First+pos.Count+moreMargin >= held {
		l.moreAt = held
		l.intents.Add(More{})
	}
}
