package ui

import (
	"errors"
	"path/filepath"

	"gioui.org/op"

	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/app/ui/files"
	"github.com/natter-chat/natter/app/ui/transfers"
	"github.com/natter-chat/natter/core/client"
)

// errNoFileManager is why "open folder" fails where the platform has no
// file manager to show a folder in.
var errNoFileManager = errors.New("no file manager on this device")

// perform carries out what the screens asked for in this frame and tells
// each screen how it went. It is the one place where the screens' requests
// reach the session: the screens only describe them.
func (u *UI) perform(gtx C) {
	s := u.session
	if s == nil {
		// Disconnected in this frame: the screens are new and empty.
		return
	}
	acted := false
	for _, in := range u.Chat.Composer.Intents() {
		u.Chat.Composer.Performed(in, u.logged("message not sent", u.send(in)))
		acted = true
	}
	for _, in := range u.Chat.Log.Intents() {
		u.Chat.Log.Performed(in, u.openURL(in.URL))
		acted = true
	}
	for _, in := range u.Chat.Intents() {
		switch in := in.(type) {
		case chat.LoadOlder:
			s.LoadOlder()
		case chat.Search:
			s.Search(in.Words)
		}
		acted = true
	}
	for _, in := range u.Files.Intents() {
		acted = true
		switch in := in.(type) {
		case files.Refresh:
			s.RefreshFiles()
			u.Files.Performed(in, nil)
		case files.More:
			s.MoreFiles()
		case files.Download:
			_, err := s.Download(in.Name)
			u.Files.Performed(in, u.logged("file request failed", err))
		case files.UploadPath:
			_, err := s.Upload(in.Path)
			u.Files.Performed(in, u.logged("file request failed", err))
		case files.Open:
			u.Files.Performed(in, u.logged("downloaded file not opened", u.openDownloaded(in.Name)))
		case files.OpenShared:
			u.Files.Performed(in, u.logged("shared folder not opened", u.openShared()))
		case files.PickUpload:
			// The picker may block: it reports back through post.
			u.pickAndUpload()
		}
	}
	for _, in := range u.Transfers.Intents() {
		u.Transfers.Performed(in, u.logged("transfer request failed", u.performTransfer(in)))
		acted = true
	}
	if acted {
		// Show the outcome (a cleared editor, an error) at once.
		gtx.Execute(op.InvalidateCmd{})
	}
}

// errNoBrowser is why a link does not open where the platform has no way
// to open one.
var errNoBrowser = errors.New("there is no web browser to open it with on this device")

// logged writes a failure's technical detail to the log, where it helps
// whoever looks into it; the screens show it in plain words
// (words.Plain). It returns err.
func (u *UI) logged(what string, err error) error {
	if err != nil {
		u.log.Warn(what, "err", err)
	}
	return err
}

func (u *UI) openURL(url string) error {
	if u.cfg.OpenURL == nil {
		return errNoBrowser
	}
	if err := u.cfg.OpenURL(url); err != nil {
		u.log.Warn("link not opened", "url", url, "err", err)
		return err
	}
	return nil
}

func (u *UI) send(in chat.Send) error {
	if in.To.Everyone() {
		return u.session.Send(in.Text)
	}
	return u.session.SendPrivate(in.To.Nick, in.Text)
}

func (u *UI) performTransfer(in transfers.Intent) error {
	s := u.session
	switch in := in.(type) {
	case transfers.Cancel:
		return s.Cancel(in.ID)
	case transfers.Retry:
		var err error
		if t := in.Transfer; t.Direction == client.Download {
			_, err = s.Download(t.Name)
		} else {
			_, err = s.Upload(t.Path)
		}
		return err
	case transfers.OpenFolder:
		if u.cfg.OpenFolder == nil {
			return errNoFileManager
		}
		return u.cfg.OpenFolder(in.Dir)
	}
	return nil
}

// sharedDirer is a Hosted hub that says which folder it shares.
// (*hosting.Hub is one.)
type sharedDirer interface{ Dir() string }

// sharedDir is the shared folder of the hub hosted here, or "".
func (u *UI) sharedDir() string {
	if d, ok := u.hosted.(sharedDirer); ok {
		return d.Dir()
	}
	return ""
}

// openDownloaded opens the downloaded file name with the platform's
// program for it, or, where there is no such opener, shows its folder.
func (u *UI) openDownloaded(name string) error {
	if u.cfg.OpenFile != nil && filepath.Base(name) == name {
		return u.cfg.OpenFile(filepath.Join(u.cfg.DownloadDir, name))
	}
	if u.cfg.OpenFolder == nil {
		return errNoFileManager
	}
	return u.cfg.OpenFolder(u.cfg.DownloadDir)
}

func (u *UI) openShared() error {
	dir := u.sharedDir()
	if u.cfg.OpenFolder == nil || dir == "" {
		return errNoFileManager
	}
	return u.cfg.OpenFolder(dir)
}
