package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWatchFlagAndEnvironment(t *testing.T) {
	var out bytes.Buffer
	o, err := parseOptions([]string{"-watch", "2s"}, env(nil), &out)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, o.cfg.WatchInterval)
	o, err = parseOptions(nil, env(map[string]string{"NATTER_WATCH": "500ms"}), &out)
	require.NoError(t, err)
	assert.Equal(t, 500*time.Millisecond, o.cfg.WatchInterval)
}
