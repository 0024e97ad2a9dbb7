package ui

import (
	"os"
	"path/filepath"

	"github.com/natter-chat/natter/core/client"
)

// previewFetchMaxBytes bounds the shared images fetched only to show a
// preview: a glance is not worth a large download.
const previewFetchMaxBytes = 2 << 20

// previewFetchMax bounds the images fetched for previews in one session.
const previewFetchMax = 32

// downloaderTo is a Session that can download into a folder other than
// the download folder. (*client.Client is one.)
type downloaderTo interface {
	DownloadTo(name, dir string) (client.TransferID, error)
}

type fetchKey struct {
	name, sha string
	size      int64
}

// previewFetcher fetches small shared images this device does not hold
// into Config.PreviewDir, so that the files list can show their previews:
// one at a time, at most previewFetchMax in a session, each once. Its
// transfers are not the user's: they are left out of the transfers list.
type previewFetcher struct {
	session Session // the session the fetches below belong to
	started int     // fetches started in this session

	queue   []client.File
	current client.TransferID
	key     fetchKey // of current
	ids     map[client.TransferID]bool
	asked   map[fetchKey]bool   // queued, fetched or failed: never again
	paths   map[fetchKey]string // fetched, where

	// hidFrom and hidden are the last snapshot hide was given and its
	// answer: a frame asks again for the same snapshot until it changes.
	hidFrom, hidden *client.Snapshot
}

func newPreviewFetcher() *previewFetcher {
	return &previewFetcher{ids: map[client.TransferID]bool{}, asked: map[fetchKey]bool{}, paths: map[fetchKey]string{}}
}

func keyOf(f client.File) fetchKey { return fetchKey{name: f.Name, sha: f.SHA256, size: f.Size} }

// path is where the fetched copy of f is, if it was fetched.
func (p *previewFetcher) path(f client.File) (string, bool) {
	path, ok := p.paths[keyOf(f)]
	return path, ok
}

// want queues f to be fetched, if it is small enough and the session's
// share of fetches is not spent.
func (p *previewFetcher) want(f client.File, dir string) {
	k := keyOf(f)
	if dir == "" || f.Size <= 0 || f.Size > previewFetchMaxBytes || f.SHA256 == "" || p.asked[k] {
		return
	}
	if p.started+len(p.queue) >= previewFetchMax {
		return
	}
	p.asked[k] = true
	// Fetched in an earlier run: the copy is there already, and its
	// SHA-256 says whether it is this file (UI.cached).
	if fi, err := os.Stat(filepath.Join(dir, f.Name)); err == nil && fi.Mode().IsRegular() && fi.Size() == f.Size {
		return
	}
	p.queue = append(p.queue, f)
}

// step follows the current fetch in snap and starts the next one when
// none runs. A new session starts afresh: its transfer ids are its own.
func (p *previewFetcher) step(s Session, snap *client.Snapshot, dir string) {
	if s != p.session {
		for _, f := range p.queue {
			delete(p.asked, keyOf(f))
		}
		if p.current != 0 {
			delete(p.asked, p.key)
		}
		p.session, p.started, p.queue, p.current = s, 0, nil, 0
		clear(p.ids)
		p.hidFrom, p.hidden = nil, nil
	}
	if p.current != 0 {
		// A fetch just asked for is not in the snapshot yet.
		t, ok := snap.Transfer(p.current)
		if !ok || !t.State.Finished() {
			return
		}
		if t.State == client.TransferDone {
			p.paths[p.key] = t.Path
		}
		p.current = 0
	}
	d, ok := s.(downloaderTo)
	if !ok || len(p.queue) == 0 {
		return
	}
	f := p.queue[0]
	p.queue = p.queue[1:]
	id, err := d.DownloadTo(f.Name, dir)
	p.started++
	if err != nil {
		return
	}
	p.current, p.key = id, keyOf(f)
	p.ids[id] = true
}

// hide returns snap without the preview fetches among its transfers.
func (p *previewFetcher) hide(snap *client.Snapshot) *client.Snapshot {
	if len(p.ids) == 0 {
		return snap
	}
	if snap == p.hidFrom {
		return p.hidden
	}
	view := *snap
	view.Transfers = make([]client.Transfer, 0, len(snap.Transfers))
	for _, t := range snap.Transfers {
		if !p.ids[t.ID] {
			view.Transfers = append(view.Transfers, t)
		}
	}
	p.hidFrom, p.hidden = snap, &view
	return &view
}
