package server

import "github.com/natter-chat/natter/core/proto"

// DefaultMaxSharedFiles is the most files the hub lists from its shared
// folder: a folder flooded with files still answers FILES from a bounded
// scan, and a client pages through at most this many.
const DefaultMaxSharedFiles = 20000

// filesPage returns the page of files, sorted by name, that `FILES
// <offset>` asks for: at most proto.MaxFilesPage entries from offset. An
// offset at or past the end gives an empty page; the total still says how
// many there are.
func filesPage(files []FileInfo, offset int64) []FileInfo {
	if offset >= int64(len(files)) {
		return nil
	}
	page := files[offset:]
	if len(page) > proto.MaxFilesPage {
		page = page[:proto.MaxFilesPage]
	}
	return page
}

// appendFilesAnswer appends the whole answer to `FILES <offset>`:
// `FILES <n> <total>` and the page's FILE lines.
func appendFilesAnswer(dst []byte, files []FileInfo, offset int64) []byte {
	page := filesPage(files, offset)
	dst = proto.AppendFilesPage(dst, len(page), len(files))
	for _, f := range page {
		dst = proto.AppendFile(dst, f.Size, f.SHA256, f.ModTime, f.Name)
	}
	return dst
}
