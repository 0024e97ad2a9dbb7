package main

import (
	"context"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersionLine(t *testing.T) {
	checkout := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/natter-chat/natter", Version: "(devel)"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "05c1bc4fcfd3"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	installed := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/natter-chat/natter", Version: "v0.3.1"},
	}
	for _, tc := range []struct {
		name, release string
		info          *debug.BuildInfo
		want          string
	}{
		{"release build", "0.2.0", checkout, "natterd 0.2.0, revision 05c1bc4fcfd3+modified, go1.26.8"},
		{"checkout", "", checkout, "natterd devel, revision 05c1bc4fcfd3+modified, go1.26.8"},
		{"go install of a tagged module", "", installed, "natterd 0.3.1, go1.26.8"},
		{"no build information", "", nil, "natterd devel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, versionLine(tc.release, tc.info))
		})
	}
}

func TestVersionFlag(t *testing.T) {
	var stdout, stderr strings.Builder
	// NATTER_VERSION in the environment is not the -version flag.
	getenv := func(k string) string {
		if k == "NATTER_VERSION" {
			return "0.1.0"
		}
		return ""
	}
	code := run(context.Background(), []string{"-version"}, getenv, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	require.Equal(t, versionLine(version, buildInfo())+"\n", stdout.String())
	require.True(t, strings.HasPrefix(stdout.String(), "natterd "), stdout.String())

	// Without the flag the environment variable changes nothing: the
	// options parse, and -version stays off.
	opts, err := parseOptions(nil, getenv, &stderr)
	require.NoError(t, err)
	require.False(t, opts.version)
}
