package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/text/unicode/norm"

	"github.com/natter-chat/natter/core/proto"
)

// FileInfo describes one file of the shared folder.
type FileInfo struct {
	Name    string
	Size    int64
	ModTime int64  // Unix milliseconds
	SHA256  string // "" while not known
}

// ErrNoSuchFile is returned for a name that is not a listed shared file.
var ErrNoSuchFile = errors.New("no such shared file")

// hashKey identifies a version of a file: its hash is reused while the name,
// size and modification time stay the same.
type hashKey struct {
	name  string
	size  int64
	mtime int64 // nanoseconds
}

// sharedDir is the hub's flat shared folder. All access goes through an
// os.Root, so neither a name nor a symlink can reach outside the folder.
// Hashes are computed by one background goroutine and cached.
type sharedDir struct {
	root *os.Root
	log  *slog.Logger

	mu      sync.Mutex
	sums    map[hashKey]string
	queue   []hashKey
	queued  map[hashKey]bool
	wake    chan struct{}
	waiters map[hashKey][]chan struct{}
}

func openSharedDir(dir string, log *slog.Logger) (*sharedDir, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("shared folder: %w", err)
	}
	return &sharedDir{
		root:    root,
		log:     log,
		sums:    make(map[hashKey]string),
		queued:  make(map[hashKey]bool),
		wake:    make(chan struct{}, 1),
		waiters: make(map[hashKey][]chan struct{}),
	}, nil
}

func (d *sharedDir) close() error { return d.root.Close() }

// maxLinkHops bounds the symlinks followed from one shared name.
const maxLinkHops = 8

// resolveShared returns the name of the file that name, a valid file name,
// stands for: name itself, or for a symlink the name its target resolves
// to. A symlink counts only when every target on its way is a valid file
// name of its own (one path element, not hidden: never a temporary upload,
// a dot-file or anything in a subfolder) and the last is a regular file
// directly in the folder; else ErrNoSuchFile.
func resolveShared(root *os.Root, name string) (string, fs.FileInfo, error) {
	for range maxLinkHops {
		fi, err := root.Lstat(name)
		if err != nil {
			return "", nil, ErrNoSuchFile
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if !fi.Mode().IsRegular() {
				return "", nil, ErrNoSuchFile
			}
			return name, fi, nil
		}
		target, err := root.Readlink(name)
		if err != nil {
			return "", nil, ErrNoSuchFile
		}
		for strings.HasPrefix(target, "./") {
			target = strings.TrimLeft(target[2:], "/")
		}
		if proto.ValidFileName(target) != nil {
			return "", nil, ErrNoSuchFile
		}
		name = target
	}
	return "", nil, ErrNoSuchFile
}

// openSharedFile opens the regular file that name stands for in the shared
// folder (see resolveShared) for reading. The file itself is opened with
// O_NOFOLLOW, so a symlink put in its place meanwhile is not followed.
func openSharedFile(root *os.Root, name string) (*os.File, fs.FileInfo, error) {
	if err := proto.ValidFileName(name); err != nil {
		return nil, nil, err
	}
	file, _, err := resolveShared(root, name)
	if err != nil {
		return nil, nil, err
	}
	// O_NONBLOCK: should the name have become a FIFO, opening it must not
	// wait for a writer.
	f, err := root.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK|openNoFollow, 0)
	if err != nil {
		return nil, nil, ErrNoSuchFile
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, ErrNoSuchFile
	}
	return f, fi, nil
}

// stat returns the file's info (without hash) if name is a valid file name
// and a regular file inside the folder, or a symlink that resolveShared
// accepts.
func (d *sharedDir) stat(name string) (FileInfo, hashKey, error) {
	if err := proto.ValidFileName(name); err != nil {
		return FileInfo{}, hashKey{}, err
	}
	_, fi, err := resolveShared(d.root, name)
	if err != nil {
		return FileInfo{}, hashKey{}, ErrNoSuchFile
	}
	k := hashKey{name: name, size: fi.Size(), mtime: fi.ModTime().UnixNano()}
	return FileInfo{Name: name, Size: fi.Size(), ModTime: fi.ModTime().UnixMilli()}, k, nil
}

// list scans the folder and returns its files sorted by name, with the
// hashes known so far; unknown ones are queued for hashing. Cached hashes of
// files that are gone or changed are forgotten. At most max files are
// listed (all when max <= 0): the first max the folder yields, so that a
// folder flooded with files costs a bounded scan.
func (d *sharedDir) list(max int) ([]FileInfo, error) {
	f, err := d.root.Open(".")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	type found struct {
		info FileInfo
		key  hashKey
	}
	var all []found
	present := make(map[hashKey]bool)
	for max <= 0 || len(all) < max {
		entries, err := f.ReadDir(1024)
		for _, e := range entries {
			if max > 0 && len(all) >= max {
				break
			}
			if e.Type()&fs.ModeType&^fs.ModeSymlink != 0 {
				continue // directories, devices, ...; symlinks are resolved by stat
			}
			info, k, err := d.stat(e.Name())
			if err != nil {
				continue
			}
			all = append(all, found{info, k})
			present[k] = true
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(all, func(a, b found) int { return strings.Compare(a.info.Name, b.info.Name) })

	files := make([]FileInfo, len(all))
	d.mu.Lock()
	for k := range d.sums {
		if !present[k] {
			delete(d.sums, k)
		}
	}
	for i, f := range all {
		if sum, ok := d.sums[f.key]; ok {
			f.info.SHA256 = sum
		} else {
			d.enqueueLocked(f.key)
		}
		files[i] = f.info
	}
	d.mu.Unlock()
	return files, nil
}

func (d *sharedDir) enqueueLocked(k hashKey) {
	if d.queued[k] {
		return
	}
	d.queued[k] = true
	d.queue = append(d.queue, k)
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// lookup returns the info of one shared file, with its hash when known.
func (d *sharedDir) lookup(name string) (FileInfo, hashKey, error) {
	info, k, err := d.stat(name)
	if nfc := norm.NFC.String(name); errors.Is(err, ErrNoSuchFile) && nfc != name {
		// Names are stored in NFC: a name typed in another form asks
		// for the same file.
		info, k, err = d.stat(nfc)
	}
	if err != nil {
		return info, k, err
	}
	d.mu.Lock()
	info.SHA256 = d.sums[k]
	d.mu.Unlock()
	return info, k, nil
}

// hashed returns the info of one shared file with its hash, computing it
// (in the background goroutine) if needed.
func (d *sharedDir) hashed(ctx context.Context, name string) (FileInfo, error) {
	info, k, err := d.lookup(name)
	if err != nil || info.SHA256 != "" {
		return info, err
	}
	done := make(chan struct{})
	d.mu.Lock()
	if sum, ok := d.sums[k]; ok {
		d.mu.Unlock()
		info.SHA256 = sum
		return info, nil
	}
	d.waiters[k] = append(d.waiters[k], done)
	d.enqueueLocked(k)
	d.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return info, ctx.Err()
	}
	d.mu.Lock()
	info.SHA256 = d.sums[k]
	d.mu.Unlock()
	if info.SHA256 == "" {
		return info, fmt.Errorf("hashing %q failed or the file changed meanwhile", name)
	}
	return info, nil
}

// remember records a hash known from elsewhere (a completed upload).
func (d *sharedDir) remember(name, sum string) (FileInfo, error) {
	info, k, err := d.stat(name)
	if err != nil {
		return info, err
	}
	d.mu.Lock()
	d.sums[k] = sum
	d.mu.Unlock()
	info.SHA256 = sum
	return info, nil
}

// hashLoop computes queued hashes until ctx is done.
func (d *sharedDir) hashLoop(ctx context.Context) {
	for {
		d.mu.Lock()
		var k hashKey
		have := len(d.queue) > 0
		if have {
			k = d.queue[0]
			d.queue = d.queue[1:]
			if len(d.queue) == 0 {
				d.queue = nil
			}
		}
		d.mu.Unlock()
		if !have {
			select {
			case <-ctx.Done():
				return
			case <-d.wake:
				continue
			}
		}
		sum, err := d.hashFile(ctx, k)
		d.mu.Lock()
		delete(d.queued, k)
		if err == nil {
			d.sums[k] = sum
		} else if ctx.Err() == nil {
			d.log.Warn("cannot hash shared file", "name", k.name, "err", err)
		}
		for _, w := range d.waiters[k] {
			close(w)
		}
		delete(d.waiters, k)
		d.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

// hashFile hashes the file if it is still the version k names.
func (d *sharedDir) hashFile(ctx context.Context, k hashKey) (string, error) {
	f, fi, err := openSharedFile(d.root, k.name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if !fi.Mode().IsRegular() || fi.Size() != k.size || fi.ModTime().UnixNano() != k.mtime {
		return "", fmt.Errorf("file %q changed before it could be hashed", k.name)
	}
	h := sha256.New()
	buf := make([]byte, 64<<10)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
	}
	fi, err = f.Stat()
	if err != nil {
		return "", err
	}
	if fi.Size() != k.size || fi.ModTime().UnixNano() != k.mtime {
		return "", fmt.Errorf("file %q changed while it was hashed", k.name)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
