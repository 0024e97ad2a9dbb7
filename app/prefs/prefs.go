// Package prefs remembers the user's choices between runs: the last
// nickname and hub address, and the theme, in a small JSON file in the
// app's data folder.
package prefs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// FileName is the name of the preferences file inside the data folder.
const FileName = "prefs.json"

// The themes one can choose. ThemeSystem, the default, follows the
// system's dark mode.
const (
	ThemeSystem = "system"
	ThemeDark   = "dark"
	ThemeLight  = "light"
)

// Prefs are the remembered choices.
type Prefs struct {
	Nick string `json:"nick,omitempty"`
	Addr string `json:"addr,omitempty"`
	// Theme is ThemeSystem, ThemeDark or ThemeLight; empty is as Dark says.
	Theme string `json:"theme,omitempty"`
	// Dark is how earlier versions remembered the theme: true for dark,
	// false for light or never chosen. Theme, when set, wins.
	Dark bool `json:"dark,omitempty"`
	// Host is set when the last join hosted a hub on this device.
	Host bool `json:"host,omitempty"`
}

// ThemeChoice is the theme chosen: ThemeDark, ThemeLight, or ThemeSystem
// when none was, or an unknown one is remembered.
func (p Prefs) ThemeChoice() string {
	switch p.Theme {
	case ThemeDark, ThemeLight, ThemeSystem:
		return p.Theme
	}
	if p.Dark {
		// Only a user's pick ever saved dark.
		return ThemeDark
	}
	return ThemeSystem
}

// Load reads the preferences from dir. A missing file is not an error: it
// gives the zero Prefs.
func Load(dir string) (Prefs, error) {
	var p Prefs
	path := filepath.Join(dir, FileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("prefs: read %s: %w", path, err)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return Prefs{}, fmt.Errorf("prefs: %s is not valid: %w", path, err)
	}
	return p, nil
}

// Save writes p to dir, creating dir if needed. It writes a temporary file
// and renames it, so a crash never leaves half a file.
func Save(dir string, p Prefs) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("prefs: create %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("prefs: encode: %w", err)
	}
	tmp, err := os.CreateTemp(dir, FileName+".*")
	if err != nil {
		return fmt.Errorf("prefs: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("prefs: write %s: %w", tmp.Name(), werr)
	}
	path := filepath.Join(dir, FileName)
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("prefs: %w", err)
	}
	return nil
}
