package client

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/server"
)

// The client holds the first page of a long shared list, and one more page
// each time MoreFiles asks, until it holds the whole list, in order.
func TestHubFilesPagedIn(t *testing.T) {
	dir := t.TempDir()
	const n = 2*proto.MaxFilesPage + 17
	var names []string
	for i := range n {
		name := fmt.Sprintf("file %04d.txt", i)
		names = append(names, name)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), nil, 0o644))
	}
	h := startHub(t, server.Config{Dir: dir}, "127.0.0.1:0")
	c := startClient(t, Config{Addr: h.addr, Nick: "alice"})
	snap := waitFor(t, c, "first page", func(s *Snapshot) bool { return registered(s) && !s.FilesTime.IsZero() })
	require.Len(t, snap.Files, proto.MaxFilesPage, "the first answer is one page")
	require.Equal(t, n, snap.FilesTotal)

	for pages := 2; pages <= 3; pages++ {
		c.MoreFiles()
		c.MoreFiles() // asked twice while on its way: one page comes
		want := min(n, pages*proto.MaxFilesPage)
		snap = waitFor(t, c, fmt.Sprintf("page %d", pages), func(s *Snapshot) bool { return len(s.Files) >= want })
		require.Len(t, snap.Files, want)
	}
	c.MoreFiles() // all held: nothing more to ask
	c.RefreshFiles()
	snap = waitFor(t, c, "refreshed", func(s *Snapshot) bool { return len(s.Files) == proto.MaxFilesPage })
	for want := 2 * proto.MaxFilesPage; want < n+proto.MaxFilesPage; want += proto.MaxFilesPage {
		c.MoreFiles()
		snap = waitFor(t, c, "paged again", func(s *Snapshot) bool { return len(s.Files) == min(want, n) })
	}
	var got []string
	for _, f := range snap.Files {
		got = append(got, f.Name)
	}
	assert.Equal(t, names, got)
}
