package folders

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// Host is the machine the app runs on.
func Host() System {
	home, _ := os.UserHomeDir()
	return System{
		GOOS:     runtime.GOOS,
		Getenv:   os.Getenv,
		Home:     home,
		ReadFile: os.ReadFile,
		IsDir: func(p string) bool {
			fi, err := os.Stat(p)
			return err == nil && fi.IsDir()
		},
	}
}

// Adopt returns the folder to use where an earlier version used old and
// this one uses new: new when it exists or there is nothing at old;
// otherwise old is moved to new once, so that files kept there are not
// left behind. When the move fails (another file system, say), old stays
// in use and the error says why.
func Adopt(old, new string) (string, error) {
	if old == new {
		return new, nil
	}
	if _, err := os.Lstat(new); err == nil {
		return new, nil
	}
	fi, err := os.Lstat(old)
	if err != nil || !fi.IsDir() {
		return new, nil
	}
	if err := os.MkdirAll(filepath.Dir(new), 0o700); err != nil {
		return old, fmt.Errorf("folders: keeping %s: %w", old, err)
	}
	if err := os.Rename(old, new); err != nil {
		return old, fmt.Errorf("folders: keeping %s: %w", old, err)
	}
	return new, nil
}
