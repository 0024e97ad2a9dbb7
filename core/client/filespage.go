package client

import (
	"slices"
	"strings"

	"github.com/natter-chat/natter/core/proto"
)

// filesPages is what the state knows of the hub's shared list beyond the
// files it holds: the hub answers FILES a page at a time
// (proto.MaxFilesPage entries), so that a long list fits any queue, and the
// client asks for the next page only when it is to be shown.
type filesPages struct {
	filesTotal int  // the files the hub shares, as of its last answer
	pageAt     int  // where the FILES answer being received starts
	moreAsked  bool // the next page is asked for and not yet here
}

// askFiles asks the hub for its shared list from entry offset.
func (st *state) askFiles(offset int) {
	if offset == 0 {
		// A fresh list: a page asked for before it is of an old one.
		st.moreAsked = false
	}
	line := simpleLine(proto.Command{Keyword: proto.KwFiles, Offset: int64(offset)})
	st.sendNow(&request{keyword: proto.KwFiles, line: line, offset: offset})
}

// moreFiles asks for the page after the files held, unless every file is
// held or that page is on its way.
func (st *state) moreFiles() {
	if st.moreAsked || st.filesTime.IsZero() || len(st.files) >= st.filesTotal {
		return
	}
	st.moreAsked = true
	st.askFiles(len(st.files))
}

// filesAnswer notes the start of a FILES answer to r (nil when the hub
// answered what was not asked), of total files.
func (st *state) filesAnswer(r *request, total int) {
	st.pageAt = 0
	if r != nil {
		st.pageAt = r.offset
	}
	if st.pageAt > 0 {
		st.moreAsked = false
	}
	st.filesTotal = total
}

// filesPage puts a page of the list, received whole, in place: the first
// page replaces the list, a later one extends it where it starts.
func (st *state) filesPage(page []File) {
	switch at := st.pageAt; {
	case at == 0:
		st.files = page
	case at <= len(st.files):
		// Cut at the page's start: a refresh may have shortened the list,
		// or a SHARED file grown it, since the page was asked for.
		st.files = append(slices.Clip(st.files[:at]), page...)
	default:
		// A page past the end of what is held: the list it belonged to
		// was replaced meanwhile. Nothing to join it to.
		return
	}
	st.filesTime = st.now
}

// sharedShown reports whether a file SHARED under name belongs in the
// files held: it does when every file is held, or when it sorts before
// the last one held (it is then within the pages received). It counts a
// new name in the total.
func (st *state) sharedShown(name string) bool {
	if !slices.ContainsFunc(st.files, func(f File) bool { return f.Name == name }) {
		st.filesTotal++
	} else {
		return true
	}
	if len(st.files) >= st.filesTotal-1 {
		return true
	}
	if len(st.files) == 0 {
		return false
	}
	return strings.Compare(name, st.files[len(st.files)-1].Name) < 0
}
