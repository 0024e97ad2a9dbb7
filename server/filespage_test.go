package server

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
)

func TestFilesPage(t *testing.T) {
	files := make([]FileInfo, 1234)
	for i := range files {
		files[i].Name = fmt.Sprintf("f%05d", i)
	}
	for _, tc := range []struct {
		offset      int64
		first, size int
	}{
		{0, 0, proto.MaxFilesPage},
		{500, 500, proto.MaxFilesPage},
		{1000, 1000, 234},
		{1233, 1233, 1},
		{1234, 0, 0},
		{1 << 40, 0, 0},
	} {
		page := filesPage(files, tc.offset)
		require.Len(t, page, tc.size, "offset %d", tc.offset)
		if tc.size > 0 {
			assert.Equal(t, files[tc.first].Name, page[0].Name, "offset %d", tc.offset)
		}
	}
	assert.Empty(t, filesPage(nil, 0))
}

// plantFiles fills dir with n empty files whose names are long, as a
// client uploading many files would, and returns their names sorted.
func plantFiles(t *testing.T, dir string, n int) []string {
	t.Helper()
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%05d-%s", i, strings.Repeat("n", 240))
		require.NoError(t, os.WriteFile(filepath.Join(dir, names[i]), nil, 0o644))
	}
	slices.Sort(names)
	return names
}

// A shared folder whose whole listing is larger than a client's queue is
// still listed: every answer is one page, which fits, and the pages
// together are the folder.
func TestFilesPagedFitsQueue(t *testing.T) {
	const queue = 256 << 10 // the listing below takes about 1.5 times this
	h := startHub(t, func(c *Config) { c.OutQueueBytes = queue })
	names := plantFiles(t, h.dir, 1200)
	c, _, _ := register(t, h.addr, "alice")

	var got []string
	for range 10 {
		c.send(fmt.Sprintf("FILES %d", len(got)))
		ev := c.event()
		require.Equal(t, proto.KwFiles, ev.Keyword, "got %v", ev)
		require.Equal(t, len(names), ev.Total)
		require.LessOrEqual(t, ev.Count, proto.MaxFilesPage)
		if ev.Count == 0 {
			break
		}
		for range ev.Count {
			f := c.event()
			require.Equal(t, proto.KwFile, f.Keyword)
			got = append(got, f.Name)
		}
	}
	assert.Equal(t, names, got, "the pages in order are the sorted folder")

	// The session goes on: the asker was not dropped too-slow.
	c.send("PING after")
	c.expect("PONG after")
}

func TestFilesListingCapped(t *testing.T) {
	h := startHub(t, func(c *Config) { c.MaxSharedFiles = 50 })
	plantFiles(t, h.dir, 120)
	c, _, _ := register(t, h.addr, "alice")
	c.send("FILES")
	ev := c.event()
	require.Equal(t, proto.KwFiles, ev.Keyword)
	assert.Equal(t, 50, ev.Total, "the listing stops at MaxSharedFiles")
	assert.Equal(t, 50, ev.Count)
}
