package server

import (
	"context"
	"sync"
	"time"

	"github.com/natter-chat/natter/core/proto"
)

// sharedWatch notices files that come into the shared folder, or leave
// it, by means other than an upload (a copy into the folder, a file
// manager, rm), and tells everyone: `SHARED <time> - <size> <sha256>
// <name…>` once a new file's hash is known, `UNSHARED <time> <name…>` when
// a file is gone (contract section 3). It polls: a listing of the folder
// every interval is cheap beside what a folder people share holds, works
// on every platform and file system, and the listing also queues new
// files for hashing in the background.
type sharedWatch struct {
	dir  *sharedDir
	max  int               // files listed at most, as FILES lists them
	send func(line []byte) // to every registered session

	mu sync.Mutex
	// known are the files everyone has been told of (or that were there
	// when the hub started), by name.
	known map[string]watchedFile
}

// watchedFile is the version of a file that was announced.
type watchedFile struct {
	size, mtime int64
	sha256      string // "" for a file there at the start, not hashed yet
}

func newSharedWatch(dir *sharedDir, max int, send func([]byte)) *sharedWatch {
	return &sharedWatch{dir: dir, max: max, send: send, known: make(map[string]watchedFile)}
}

// start records what the folder holds now: those files are not news.
func (w *sharedWatch) start() error {
	files, err := w.dir.list(w.max)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, f := range files {
		w.known[f.Name] = watchedFile{size: f.Size, mtime: f.ModTime, sha256: f.SHA256}
	}
	return nil
}

// announced records a file the hub announced itself (a finished upload),
// so the watch does not announce it again.
func (w *sharedWatch) announced(f FileInfo) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.known[f.Name] = watchedFile{size: f.Size, mtime: f.ModTime, sha256: f.SHA256}
}

// run polls the folder every interval until ctx is done.
func (w *sharedWatch) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll()
		}
	}
}

// poll compares the folder with what everyone knows and announces the
// difference. A new or changed file whose hash is not known yet waits for
// a later poll: its hash is being computed.
func (w *sharedWatch) poll() {
	files, err := w.dir.list(w.max)
	if err != nil {
		w.dir.log.Warn("cannot list shared folder", "err", err)
		return
	}
	var lines [][]byte
	present := make(map[string]bool, len(files))
	w.mu.Lock()
	for _, f := range files {
		present[f.Name] = true
		k, ok := w.known[f.Name]
		if ok && k.size == f.Size && k.mtime == f.ModTime {
			continue
		}
		if f.SHA256 == "" {
			continue
		}
		w.known[f.Name] = watchedFile{size: f.Size, mtime: f.ModTime, sha256: f.SHA256}
		if ok && k.sha256 == f.SHA256 {
			continue // touched, not changed
		}
		lines = append(lines, proto.AppendShared(nil, now(), "-", f.Size, f.SHA256, f.Name))
	}
	for name := range w.known {
		if !present[name] {
			delete(w.known, name)
			lines = append(lines, proto.AppendUnshared(nil, now(), name))
		}
	}
	w.mu.Unlock()
	for _, l := range lines {
		w.send(l)
	}
}
