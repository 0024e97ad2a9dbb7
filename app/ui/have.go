package ui

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/natter-chat/natter/core/client"
)

// haveKey is one version of a file in the download folder, compared with
// one shared file.
type haveKey struct {
	name, sha256 string
	size, mtime  int64
}

// haveCache says which shared files are already in the download folder:
// a file of the same name, size and SHA-256. Hashing happens in the
// background, one file at a time, and is remembered per version of the
// file; until it is done, the file counts as not had.
type haveCache struct {
	dir  string
	done func() // a hash finished: draw again

	mu      sync.Mutex
	result  map[haveKey]bool
	hashing bool
	wg      sync.WaitGroup
	// stats holds what a recent stat found, so a visible row costs a stat
	// at most every statEvery, not every frame.
	stats map[string]statEntry
}

type statEntry struct {
	at          time.Time
	size, mtime int64
	ok          bool
}

const statEvery = 2 * time.Second

func newHaveCache(dir string, done func()) *haveCache {
	return &haveCache{dir: dir, done: done, result: map[haveKey]bool{}, stats: map[string]statEntry{}}
}

// Have reports whether f is already in the download folder, as far as is
// known at now.
func (c *haveCache) Have(f client.File, now time.Time) bool {
	if c == nil || c.dir == "" || f.SHA256 == "" || filepath.Base(f.Name) != f.Name {
		return false
	}
	path := filepath.Join(c.dir, f.Name)
	c.mu.Lock()
	st, ok := c.stats[f.Name]
	c.mu.Unlock()
	if !ok || now.Sub(st.at) >= statEvery {
		st = statEntry{at: now}
		if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
			st.ok, st.size, st.mtime = true, fi.Size(), fi.ModTime().UnixNano()
		}
		c.mu.Lock()
		c.stats[f.Name] = st
		c.mu.Unlock()
	}
	if !st.ok || st.size != f.Size {
		return false
	}
	k := haveKey{name: f.Name, sha256: f.SHA256, size: st.size, mtime: st.mtime}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have, known := c.result[k]; known {
		return have
	}
	if !c.hashing {
		c.hashing = true
		c.wg.Add(1)
		go c.hash(path, k)
	}
	return false
}

func (c *haveCache) hash(path string, k haveKey) {
	defer c.wg.Done()
	sum, err := fileSHA256(path)
	c.mu.Lock()
	c.result[k] = err == nil && sum == k.sha256
	c.hashing = false
	c.mu.Unlock()
	if c.done != nil {
		c.done()
	}
}

// wait waits for a hash under way, for Close.
func (c *haveCache) wait() {
	if c != nil {
		c.wg.Wait()
	}
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
