package prefs

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadMissingGivesZero(t *testing.T) {
	p, err := Load(filepath.Join(t.TempDir(), "none"))
	require.NoError(t, err)
	assert.Equal(t, Prefs{}, p)
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "natter")
	want := Prefs{Nick: "alice", Addr: "10.0.0.2:50000", Dark: true}
	require.NoError(t, Save(dir, want))
	got, err := Load(dir)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "no temporary file is left behind")
}

func TestLoadCorruptSaysWhich(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte("{nick"), 0o600))
	_, err := Load(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), FileName)
}

func TestThemeChoice(t *testing.T) {
	for _, c := range []struct {
		file, want string
	}{
		{`{}`, ThemeSystem},
		{`{"dark": true}`, ThemeDark},
		{`{"theme": "light"}`, ThemeLight},
		{`{"theme": "light", "dark": true}`, ThemeLight},
		{`{"theme": "system", "dark": true}`, ThemeSystem},
		{`{"theme": "sepia"}`, ThemeSystem},
	} {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte(c.file), 0o600))
		p, err := Load(dir)
		require.NoError(t, err)
		assert.Equal(t, c.want, p.ThemeChoice(), c.file)
	}
}
