package files

import (
	"gioui.org/widget"

	"github.com/natter-chat/natter/app/ui/kit"
	"github.com/natter-chat/natter/icons"
)

// OpenShared shows the hosted hub's shared folder in the file manager:
// what the host puts there is shared with everyone.
type OpenShared struct{}

func (OpenShared) filesIntent() {}

// OpenSharedButton is the host's "Open shared folder" clickable, for tests.
func (l *List) OpenSharedButton() *widget.Clickable { return &l.openShared.Clickable }

func (l *List) updateShared(gtx C) {
	if l.openShared.Clicked(gtx) {
		l.Err = ""
		l.intents.Add(OpenShared{})
	}
}

// openSharedButton is the header's button for the host, drawn only when
// the hub is hosted on this device and a file manager can be opened.
func (s Style) openSharedButton(gtx C) D {
	if !s.CanOpenShared {
		return D{}
	}
	return kit.IconButton(s.Th, &s.List.openShared, icons.FolderOpen, s.Th.Primary, "Open the shared folder").EndTip().Layout(gtx)
}
