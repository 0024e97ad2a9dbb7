package files

import (
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/icons"
)

// Open opens Name, a shared file that is already in the download folder (same name and SHA-256): there is no need for a second
// copy.
type Open struct{ Name string }

func (Open) filesIntent() {}

// OpenButton returns the Open button of a file already downloaded, or nil
// when the row offers Download instead, for tests.
func (l *List) OpenButton(name string) *widget.Clickable {
	for i := range l.rows {
		if l.rows[i].name == name && l.rows[i].have {
			return &l.rows[i].open.Clickable
		}
	}
	return nil
}

func (l *List) updateHave(gtx C) {
	for i := range l.rows {
		if l.rows[i].open.Clicked(gtx) {
			l.Err = ""
			l.intents.Add(Open{Name: l.rows[i].name})
		}
	}
}

// action is a row's button: Open for a file already downloaded, else
// Download.
func (s Style) action(gtx C, i int) D {
	th := s.Th
	r := &s.List.rows[i]
	f := s.Snap.Files[i]
	r.have = s.Have != nil && s.Have(f)
	if r.have {
		return kit.IconButton(th, &r.open, icons.FolderOpen, th.Primary, "Open "+f.Name).EndTip().Layout(gtx)
	}
	return kit.IconButton(th, &r.btn, icons.Download, th.Primary, "Download "+f.Name).EndTip().Layout(gtx)
}
