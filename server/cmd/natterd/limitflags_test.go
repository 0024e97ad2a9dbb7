package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLimitFlags(t *testing.T) {
	var out bytes.Buffer
	o, err := parseOptions([]string{"-host-sessions", "5", "-host-exempt", "127.0.0.1, 10.0.0.0/8", "-max-queued", "64MiB",
		"-host-upload-bytes", "1GiB", "-host-transfers", "3", "-max-shared-files", "900"}, env(nil), &out)
	require.NoError(t, err, out.String())
	c := o.cfg
	assert.Equal(t, 5, c.Hosts.MaxSessions)
	assert.Equal(t, "[127.0.0.1/32 10.0.0.0/8]", fmt.Sprint(c.Hosts.Exempt))
	assert.Equal(t, 64<<20, c.MaxQueuedBytes)
	assert.Equal(t, int64(1<<30), c.Hosts.UploadBytes)
	assert.Equal(t, 3, c.Hosts.MaxTransfers)
	assert.Equal(t, 900, c.MaxSharedFiles)

	o, err = parseOptions(nil, env(map[string]string{"NATTER_HOST_EXEMPT": "::1"}), &out)
	require.NoError(t, err)
	assert.Equal(t, "[::1/128]", fmt.Sprint(o.cfg.Hosts.Exempt), "from the environment")

	for _, bad := range [][]string{{"-host-exempt", "127.0.0.1,bogus"}, {"-max-queued", "lots"}} {
		out.Reset()
		_, err := parseOptions(bad, env(nil), &out)
		require.Error(t, err, "%q", bad)
		assert.Contains(t, out.String()+err.Error(), bad[1][len(bad[1])-4:], "the error names the input")
	}
}
