// Package transfers lists downloads and uploads with their progress,
// speed and time left, and offers cancel, retry and "open folder".
package transfers

import (
	"fmt"
	"path/filepath"
	"strings"

	"gioui.org/layout"
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

// Intent is what the user asked of the transfers screen: Cancel, Retry or
// OpenFolder. The top-level UI carries it out and reports back with
// List.Performed. (Dismissing a row is the list's own business.)
type Intent interface{ transfersIntent() }

// Cancel stops the transfer ID.
type Cancel struct{ ID client.TransferID }

// Retry starts a failed or cancelled Transfer again, as a new transfer.
type Retry struct{ Transfer client.Transfer }

// OpenFolder shows Dir, the folder holding a finished download, in the
// platform's file manager.
type OpenFolder struct{ Dir string }

func (Cancel) transfersIntent()     {}
func (Retry) transfersIntent()      {}
func (OpenFolder) transfersIntent() {}

// List is the transfers screen's state.
type List struct {
	list widget.List
	rows map[client.TransferID]*row
	// hidden are finished transfers the user dismissed or retried.
	hidden  map[client.TransferID]bool
	intents kit.Intents[Intent]
	// Err is why the last action failed.
	Err string
}

type row struct {
	cancel, retry, open, dismiss kit.IconClickable
}

// New returns an empty transfers list.
func New() *List {
	l := &List{rows: map[client.TransferID]*row{}, hidden: map[client.TransferID]bool{}}
	l.list.Axis = layout.Vertical
	return l
}

// Buttons returns the clickables of a transfer's row, for tests.
func (l *List) Buttons(id client.TransferID) (cancel, retry, open *widget.Clickable) {
	r := l.row(id)
	return &r.cancel.Clickable, &r.retry.Clickable, &r.open.Clickable
}

func (l *List) row(id client.TransferID) *row {
	r, ok := l.rows[id]
	if !ok {
		r = &row{}
		l.rows[id] = r
	}
	return r
}

// Intents returns, once, what the user asked for since the last call,
// oldest first.
func (l *List) Intents() []Intent { return l.intents.Take() }

// Performed tells the list how carrying out in went: an error shows over
// the list; a retried transfer gives its row to the new one.
func (l *List) Performed(in Intent, err error) {
	switch in := in.(type) {
	case Cancel:
		if err != nil {
			l.Err = "Cannot cancel: " + words.Plain(err)
		}
	case Retry:
		if err != nil {
			l.Err = "Cannot retry: " + words.Plain(err)
			return
		}
		l.Err = ""
		l.hidden[in.Transfer.ID] = true
	case OpenFolder:
		if err != nil {
			l.Err = "Cannot open the folder: " + words.Plain(err)
		}
	}
}

// Visible returns the transfers to show: all but the dismissed ones.
func (l *List) Visible(all []client.Transfer) []client.Transfer {
	out := make([]client.Transfer, 0, len(all))
	for _, t := range all {
		if !l.hidden[t.ID] {
			out = append(out, t)
		}
	}
	return out
}

// Active counts transfers that have not finished.
func Active(all []client.Transfer) int {
	n := 0
	for _, t := range all {
		if !t.State.Finished() {
			n++
		}
	}
	return n
}

// Style draws a List.
type Style struct {
	Th   *theme.Theme
	List *List
	Snap *client.Snapshot
	// CanOpenFolder offers "open folder" on finished downloads; false
	// where the platform has no file manager to show them in.
	CanOpenFolder bool
	// ShowHeader draws the title above the list.
	ShowHeader bool
}

// Layout handles the row buttons, then lays out the rows.
func (s Style) Layout(gtx C) D {
	l := s.List
	th := s.Th
	visible := l.Visible(s.Snap.Transfers)
	for _, t := range visible {
		l.update(gtx, t, s.CanOpenFolder)
	}
	visible = l.Visible(s.Snap.Transfers)
	return layout.Flex{Axis: layout.Vertical}.Layout(gtx,
		layout.Rigid(func(gtx C) D {
			if !s.ShowHeader {
				return D{}
			}
			title := "Transfers"
			if n := Active(s.Snap.Transfers); n > 0 {
				title = fmt.Sprintf("Transfers · %d active", n)
			}
			return kit.SectionHeader(gtx, th, title)
		}),
		layout.Rigid(func(gtx C) D { return kit.ErrorLine(gtx, th, l.Err) }),
		layout.Flexed(1, func(gtx C) D {
			if len(visible) == 0 {
				return layout.UniformInset(12).Layout(gtx,
					kit.Label(th, 14, th.TextMuted, "No transfers. Downloads and uploads show up here.").Layout)
			}
			return material.List(th.Theme, &l.list).Layout(gtx, len(visible), func(gtx C, i int) D {
				// Newest first.
				return s.layoutRow(gtx, visible[len(visible)-1-i])
			})
		}),
	)
}

// update turns clicks on t's row into intents.
func (l *List) update(gtx C, t client.Transfer, canOpenFolder bool) {
	r := l.row(t.ID)
	if r.cancel.Clicked(gtx) && !t.State.Finished() {
		l.intents.Add(Cancel{ID: t.ID})
	}
	if r.retry.Clicked(gtx) && canRetry(t) {
		l.intents.Add(Retry{Transfer: t})
	}
	if r.open.Clicked(gtx) && canOpenFolder && t.Path != "" {
		l.intents.Add(OpenFolder{Dir: filepath.Dir(t.Path)})
	}
	if r.dismiss.Clicked(gtx) && t.State.Finished() {
		l.hidden[t.ID] = true
	}
}

// canRetry: downloads always; uploads only when read from a path (a
// stream from a file picker cannot be read twice).
func canRetry(t client.Transfer) bool {
	if t.State != client.TransferFailed && t.State != client.TransferCancelled {
		return false
	}
	return t.Direction == client.Download || t.Path != ""
}

// Status is the line under a transfer's name: sizes, speed, time left,
// or why it stopped.
func Status(t client.Transfer) string {
	switch t.State {
	case client.TransferQueued:
		if r := words.Transfer(t); r != "" {
			return "Queued: " + r
		}
		return "Queued"
	case client.TransferRunning:
		parts := []string{progressText(t)}
		if r := kit.Rate(t.Rate); r != "" {
			parts = append(parts, r)
		}
		if e := kit.Remaining(t.ETA); e != "" && t.Total > 0 {
			parts = append(parts, e)
		}
		return strings.Join(parts, " · ")
	case client.TransferDone:
		verb := "Downloaded"
		if t.Direction == client.Upload {
			verb = "Uploaded"
		}
		if _, renamed := savedAs(t); renamed {
			// Say why the row's name is not the one asked for.
			return fmt.Sprintf("%s · %s · %s was already in the folder", verb, kit.Bytes(t.Total), t.Name)
		}
		return fmt.Sprintf("%s · %s", verb, kit.Bytes(t.Total))
	case client.TransferFailed:
		if r := words.Transfer(t); r != "" {
			return "Failed: " + r
		}
		return "Failed"
	case client.TransferCancelled:
		return "Cancelled"
	}
	return t.State.String()
}

func progressText(t client.Transfer) string {
	if t.Total < 0 {
		return kit.Bytes(t.Bytes)
	}
	return kit.Bytes(t.Bytes) + " of " + kit.Bytes(t.Total)
}

func fraction(t client.Transfer) float32 {
	if t.State == client.TransferDone {
		return 1
	}
	if t.Total <= 0 {
		return 0
	}
	return float32(float64(t.Bytes) / float64(t.Total))
}

func (s Style) layoutRow(gtx C, t client.Transfer) D {
	th := s.Th
	r := s.List.row(t.ID)
	ic := icons.Download
	if t.Direction == client.Upload {
		ic = icons.Upload
	}
	statusCol := th.TextMuted
	switch t.State {
	case client.TransferFailed:
		statusCol = th.Danger
	case client.TransferDone:
		statusCol = th.Success
	}
	return layout.Inset{Top: 6, Bottom: 6, Left: 12, Right: 4}.Layout(gtx, func(gtx C) D {
		return kit.IconRow(gtx, ic, th.TextMuted, 22,
			[]layout.FlexChild{
				layout.Rigid(kit.OneLine(kit.Label(th, 14, th.Text, RowName(t)))),
				layout.Rigid(func(gtx C) D {
					if t.State != client.TransferRunning && t.State != client.TransferQueued {
						return D{}
					}
					return layout.Inset{Top: 4, Bottom: 4}.Layout(gtx, func(gtx C) D {
						p := material.ProgressBar(th.Theme, fraction(t))
						p.Height = 4
						p.Radius = 2
						p.TrackColor = th.Divider
						return p.Layout(gtx)
					})
				}),
				layout.Rigid(func(gtx C) D {
					l := kit.Label(th, 12, statusCol, Status(t))
					l.MaxLines = 2
					return l.Layout(gtx)
				}),
			},
			layout.Rigid(func(gtx C) D {
				switch {
				case !t.State.Finished():
					return kit.IconButton(th, &r.cancel, icons.Close, th.TextMuted, "Cancel").EndTip().Layout(gtx)
				case canRetry(t):
					return kit.IconButton(th, &r.retry, icons.Retry, th.Primary, "Retry").EndTip().Layout(gtx)
				case t.State == client.TransferDone && t.Direction == client.Download && s.CanOpenFolder:
					return kit.IconButton(th, &r.open, icons.FolderOpen, th.Primary, "Open folder").EndTip().Layout(gtx)
				}
				return D{}
			}),
			layout.Rigid(func(gtx C) D {
				if !t.State.Finished() {
					return D{}
				}
				return kit.IconButton(th, &r.dismiss, icons.Close, th.TextMuted, "Dismiss").EndTip().Layout(gtx)
			}),
		)
	})
}
