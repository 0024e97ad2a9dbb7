package server

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// TestUploadTmpfsFull fills a real file system: a 1 MiB tmpfs mounted for
// the test (root only; skipped elsewhere).
func TestUploadTmpfsFull(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root): %v", err)
	}
	t.Cleanup(func() { require.NoError(t, syscall.Unmount(dir, 0)) })
	th := startTransferHub(t, func(c *Config, tc *TransferConfig) { c.Dir = dir })
	c, _, _ := register(t, th.addr, "alice")

	big := randomData(15, 2<<20)
	c.send(fmt.Sprintf("PUT %d %s big.bin", len(big), sha256Hex(big)))
	c.expectErr(507, proto.KwPut, proto.ReasonNoSpace)

	data := randomData(16, 600_000)
	g := c.grant(fmt.Sprintf("PUT %d %s f.bin", len(data), sha256Hex(data)))
	// Someone fills the disk after the grant.
	filler, err := os.Create(filepath.Join(dir, "filler"))
	require.NoError(t, err)
	_, err = filler.Write(make([]byte, 700_000))
	require.NoError(t, err)
	require.NoError(t, filler.Close())

	_, err = tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(len(data)), strings.NewReader(string(data)), nil)
	requireTFTPError(t, err, tftp.ErrDiskFull)
	t.Logf("the client sees: %v", err)
	assert.Equal(t, "f.bin", c.expectErr(507, proto.KwPut, proto.ReasonNoSpace).Detail)
	requireDirSettles(t, dir, "filler")
	th.stop()
}
