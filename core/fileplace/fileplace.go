// Package fileplace puts received files in place, for the hub's uploads
// and the client's downloads alike: the .part name a download grows under,
// the offset it resumes from, the check of its size and SHA-256, the choice
// of a free name ("name (1).ext" when the name is taken) and a placement
// that never overwrites a file.
//
// Names follow natter/1 (see proto.ValidFileName): they are placed in NFC,
// and a name whose proto.FileNameKey equals that of a file already in the
// folder counts as taken, so "Notes.txt" does not stand beside "notes.txt"
// even where the file system would let it.
package fileplace

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/text/unicode/norm"

	"github.com/natter-chat/natter/core/proto"
)

// PartSuffix ends the name a download grows under until it is complete.
const PartSuffix = ".part"

// PartName returns the name the download of name grows under.
func PartName(name string) string { return name + PartSuffix }

// MaxTries bounds the numbered names tried for one file.
const MaxTries = 10000

// Errors of this package, to be matched with errors.Is.
var (
	// ErrMismatch: a file's size or SHA-256 is not what was granted.
	ErrMismatch = errors.New("fileplace: size or SHA-256 does not match")
	// ErrNoFreeName: neither the name nor any numbered form of it within
	// MaxTries and the length limit of a name is free.
	ErrNoFreeName = errors.New("fileplace: no free name")
)

// Folder is the folder files are placed in. An *os.Root is one, and keeps
// every name inside the folder, symlinks included, which is what a hub's
// shared folder needs.
type Folder interface {
	Open(name string) (*os.File, error)
	Lstat(name string) (fs.FileInfo, error)
	Link(oldname, newname string) error
	Rename(oldname, newname string) error
	Remove(name string) error
}

// Want is what a file must be once received: its size and SHA-256.
type Want struct {
	Size   int64
	SHA256 [sha256.Size]byte
}

// ParseWant returns the Want for a size and a SHA-256 in natter/1 form (64
// lower-case hex digits).
func ParseWant(size int64, sha256hex string) (Want, error) {
	var w Want
	if size < 0 {
		return w, fmt.Errorf("fileplace: negative file size %d", size)
	}
	if err := proto.ValidSHA256(sha256hex); err != nil {
		return w, fmt.Errorf("fileplace: %q is not a SHA-256 in lower-case hex", sha256hex)
	}
	hex.Decode(w.SHA256[:], []byte(sha256hex))
	w.Size = size
	return w, nil
}

// Check reports, as an error matching ErrMismatch, whether size bytes with
// the SHA-256 sum are not what w wants.
func (w Want) Check(size int64, sum [sha256.Size]byte) error {
	if size == w.Size && sum == w.SHA256 {
		return nil
	}
	return fmt.Errorf("%w: got %d bytes with SHA-256 %x, want %d bytes with %x", ErrMismatch, size, sum, w.Size, w.SHA256)
}

// Resume prepares f, a .part file, to go on receiving a file of size bytes
// in blocks of blksize: it keeps the whole blocks already there, feeds them
// to h, cuts off the rest and leaves f positioned after them. It returns
// the offset to resume from. A .part longer than the file is no prefix of
// it and is emptied.
func Resume(f *os.File, h hash.Hash, size, blksize int64) (int64, error) {
	if blksize <= 0 {
		return 0, fmt.Errorf("fileplace: block size %d", blksize)
	}
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	have := st.Size()
	if have > size {
		have = 0
	}
	offset := have - have%blksize
	if offset > 0 {
		if _, err := io.Copy(h, io.NewSectionReader(f, 0, offset)); err != nil {
			return 0, err
		}
	}
	if err := f.Truncate(offset); err != nil {
		return 0, err
	}
	_, err = f.Seek(offset, io.SeekStart)
	return offset, err
}

// Restart empties f and h, for a peer that cannot resume.
func Restart(f *os.File, h hash.Hash) error {
	h.Reset()
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.Seek(0, io.SeekStart)
	return err
}

// Numbered returns name for n = 0, else name with " (n)" before its
// extension: "a.txt", "a (1).txt", "a (2).txt"; "archive.tar (1).gz".
func Numbered(name string, n int) string {
	if n == 0 {
		return name
	}
	stem, ext := name, ""
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		stem, ext = name[:i], name[i:]
	}
	return stem + " (" + strconv.Itoa(n) + ")" + ext
}

// Choice says which names a file may be placed under: Name, or when it is
// taken the numbered forms of Name in order.
type Choice struct {
	// Name is the name asked for, a valid natter/1 file name; it is placed
	// in NFC.
	Name string
	// First, when set, is tried before Name: a name reserved earlier (a
	// hub tells an uploader the stored name before the data arrives).
	First string
	// Taken, when set, reports names held otherwise, such as names
	// reserved for uploads under way. It is asked with candidate names.
	Taken func(name string) bool
}

// candidates calls try with the names of c in order, skipping those Taken
// or whose key is in folderKeys, until try says it is done or fails.
func (c Choice) candidates(folderKeys map[string]bool, try func(name string) (bool, error)) error {
	name := norm.NFC.String(c.Name)
	if err := proto.ValidFileName(name); err != nil {
		return err
	}
	first := norm.NFC.String(c.First)
	if first != "" {
		if err := proto.ValidFileName(first); err != nil {
			return err
		}
	}
	for n := -1; n < MaxTries; n++ {
		cand := first
		if n >= 0 {
			cand = Numbered(name, n)
		}
		if cand == "" || n >= 0 && cand == first {
			continue
		}
		if proto.ValidFileName(cand) != nil {
			return fmt.Errorf("%w for %q: its numbered forms are longer than a name may be", ErrNoFreeName, name)
		}
		if folderKeys[proto.FileNameKey(cand)] || c.Taken != nil && c.Taken(cand) {
			continue
		}
		if done, err := try(cand); done || err != nil {
			return err
		}
	}
	return fmt.Errorf("%w for %q: %d numbered names tried", ErrNoFreeName, name, MaxTries)
}

// FreeName returns the first name of c that is free in folder: no file
// there has the same key, and c.Taken does not hold it. The error is a
// bad-name *proto.Error for an invalid name, or matches ErrNoFreeName.
func FreeName(folder Folder, c Choice) (string, error) {
	keys, err := folderKeys(folder)
	if err != nil {
		return "", err
	}
	var free string
	err = c.candidates(keys, func(name string) (bool, error) {
		free = name
		return true, nil
	})
	return free, err
}

// Place gives temp, a complete file in folder, the first free name of c
// (see FreeName) and returns it. Nothing is ever overwritten: a hard link
// claims the name atomically and fails when it exists, and temp is removed
// after it; where the file system has no hard links the name is checked,
// then temp renamed to it. The folder is synced afterwards, so that the new
// name lasts. A full disk is returned as it is (it matches syscall.ENOSPC
// or syscall.EDQUOT) and leaves temp in place.
func Place(folder Folder, temp string, c Choice) (string, error) {
	keys, err := folderKeys(folder)
	if err != nil {
		return "", err
	}
	var placed string
	err = c.candidates(keys, func(name string) (bool, error) {
		err := folder.Link(temp, name)
		switch {
		case err == nil:
			placed = name
			if err := folder.Remove(temp); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return true, fmt.Errorf("fileplace: removing %s after placing %q: %w", temp, name, err)
			}
			return true, nil
		case errors.Is(err, fs.ErrExist):
			return false, nil
		case isNoSpace(err):
			return true, err
		}
		// No hard links on this file system: check, then rename.
		if _, err := folder.Lstat(name); err == nil {
			return false, nil
		} else if !errors.Is(err, fs.ErrNotExist) {
			return true, fmt.Errorf("fileplace: checking %q: %w", name, err)
		}
		if err := folder.Rename(temp, name); err != nil {
			return true, fmt.Errorf("fileplace: renaming %s to %q: %w", temp, name, err)
		}
		placed = name
		return true, nil
	})
	if placed != "" {
		syncFolder(folder)
	}
	return placed, err
}

// folderKeys returns the keys of the names in folder.
func folderKeys(folder Folder) (map[string]bool, error) {
	d, err := folder.Open(".")
	if err != nil {
		return nil, fmt.Errorf("fileplace: listing the folder: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("fileplace: listing the folder: %w", err)
	}
	keys := make(map[string]bool, len(names))
	for _, n := range names {
		keys[proto.FileNameKey(n)] = true
	}
	return keys, nil
}

// syncFolder makes the folder's entries durable, as far as the system
// allows; a folder that cannot be synced has the name all the same.
func syncFolder(folder Folder) {
	if d, err := folder.Open("."); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
