package folders

import (
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// fakeSystem is a machine with the given environment, files and folders.
func fakeSystem(goos, home string, env map[string]string, files map[string]string, dirs ...string) System {
	isDir := map[string]bool{}
	for _, d := range dirs {
		isDir[d] = true
	}
	return System{
		GOOS:   goos,
		Getenv: func(k string) string { return env[k] },
		Home:   home,
		ReadFile: func(p string) ([]byte, error) {
			if s, ok := files[p]; ok {
				return []byte(s), nil
			}
			return nil, fs.ErrNotExist
		},
		IsDir: func(p string) bool { return isDir[p] },
	}
}

func TestResolveLinuxDefaults(t *testing.T) {
	sys := fakeSystem("linux", "/home/ana", nil, nil, "/home/ana/Downloads")
	f, err := Resolve(sys, "")
	require.NoError(t, err)
	require.Equal(t, Folders{
		Config:    "/home/ana/.config/natter",
		Data:      "/home/ana/.local/share/natter",
		Downloads: "/home/ana/Downloads",
	}, f)
}

func TestResolveLinuxXDG(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": "/cfg", "XDG_DATA_HOME": "/data"}
	files := map[string]string{"/cfg/user-dirs.dirs": "# written by xdg-user-dirs-update\n" +
		"XDG_DESKTOP_DIR=\"$HOME/Bureau\"\nXDG_DOWNLOAD_DIR=\"$HOME/Téléchargements\"\n"}
	sys := fakeSystem("linux", "/home/ana", env, files, "/home/ana/Téléchargements", "/home/ana/Downloads")
	f, err := Resolve(sys, "")
	require.NoError(t, err)
	require.Equal(t, Folders{Config: "/cfg/natter", Data: "/data/natter", Downloads: "/home/ana/Téléchargements"}, f)

	// The environment wins over the file; a relative XDG value is ignored.
	env["XDG_DOWNLOAD_DIR"] = "/srv/dl"
	env["XDG_DATA_HOME"] = "relative/data"
	sys = fakeSystem("linux", "/home/ana", env, files, "/srv/dl")
	f, err = Resolve(sys, "")
	require.NoError(t, err)
	require.Equal(t, "/srv/dl", f.Downloads)
	require.Equal(t, "/home/ana/.local/share/natter", f.Data)
}

func TestResolveNoDownloadsFolder(t *testing.T) {
	// Named in user-dirs.dirs but missing, and no ~/Downloads: downloads go
	// inside the data folder rather than into a folder that is not there.
	files := map[string]string{"/home/ana/.config/user-dirs.dirs": `XDG_DOWNLOAD_DIR="$HOME/Gone"`}
	f, err := Resolve(fakeSystem("linux", "/home/ana", nil, files), "")
	require.NoError(t, err)
	require.Equal(t, "/home/ana/.local/share/natter/downloads", f.Downloads)
}

func TestResolveOverride(t *testing.T) {
	f, err := Resolve(fakeSystem("linux", "/home/ana", nil, nil), "/tmp/natter-a")
	require.NoError(t, err)
	require.Equal(t, Folders{Config: "/tmp/natter-a", Data: "/tmp/natter-a", Downloads: "/tmp/natter-a/downloads"}, f)
}

func TestResolveOtherPlatforms(t *testing.T) {
	win := fakeSystem("windows", `C:\Users\ana`, map[string]string{
		"AppData": "/c/Users/ana/AppData/Roaming", "LocalAppData": "/c/Users/ana/AppData/Local", "USERPROFILE": "/c/Users/ana",
	}, nil, "/c/Users/ana/Downloads")
	f, err := Resolve(win, "")
	require.NoError(t, err)
	require.Equal(t, Folders{
		Config:    "/c/Users/ana/AppData/Roaming/natter",
		Data:      "/c/Users/ana/AppData/Local/natter",
		Downloads: "/c/Users/ana/Downloads",
	}, f)

	mac := fakeSystem("darwin", "/Users/ana", nil, nil, "/Users/ana/Downloads")
	f, err = Resolve(mac, "")
	require.NoError(t, err)
	require.Equal(t, Folders{
		Config:    "/Users/ana/Library/Application Support/natter",
		Data:      "/Users/ana/Library/Application Support/natter",
		Downloads: "/Users/ana/Downloads",
	}, f)
}

func TestResolveWithoutHome(t *testing.T) {
	_, err := Resolve(fakeSystem("linux", "", nil, nil), "")
	require.ErrorIs(t, err, ErrNoHome)
	// An XDG folder set in the environment is enough.
	f, err := Resolve(fakeSystem("linux", "", map[string]string{"XDG_CONFIG_HOME": "/c", "XDG_DATA_HOME": "/d"}, nil), "")
	require.NoError(t, err)
	require.Equal(t, Folders{Config: "/c/natter", Data: "/d/natter", Downloads: "/d/natter/downloads"}, f)
}

func TestUserDir(t *testing.T) {
	for _, tc := range []struct {
		conf, want string
		ok         bool
	}{
		{`XDG_DOWNLOAD_DIR="$HOME/Downloads"`, "/home/ana/Downloads", true},
		{`XDG_DOWNLOAD_DIR="/mnt/big/dl/"`, "/mnt/big/dl", true},
		{`XDG_DOWNLOAD_DIR="$HOME/"`, "", false}, // disabled
		{`XDG_DOWNLOAD_DIR=$HOME/Downloads`, "", false},
		{`XDG_DOWNLOAD_DIR="relative"`, "", false},
		{`XDG_MUSIC_DIR="$HOME/Music"`, "", false},
		{"  XDG_DOWNLOAD_DIR = \"$HOME/My \\\"stuff\\\"\"  ", `/home/ana/My "stuff"`, true},
	} {
		got, ok := UserDir([]byte(tc.conf), "XDG_DOWNLOAD_DIR", "/home/ana")
		require.Equal(t, tc.ok, ok, tc.conf)
		require.Equal(t, tc.want, got, tc.conf)
	}
}

func TestHostReadsTheRealEnvironment(t *testing.T) {
	home := t.TempDir()
	dl := filepath.Join(home, "Fetched")
	require.NoError(t, os.MkdirAll(filepath.Join(home, "cfg"), 0o755))
	require.NoError(t, os.Mkdir(dl, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(home, "cfg", "user-dirs.dirs"), []byte(`XDG_DOWNLOAD_DIR="$HOME/Fetched"`), 0o644))
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "cfg"))
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("XDG_DOWNLOAD_DIR", "")
	sys := Host()
	if sys.GOOS != "linux" {
		t.Skip("XDG folders are a Linux matter")
	}
	f, err := Resolve(sys, "")
	require.NoError(t, err)
	require.Equal(t, Folders{
		Config:    filepath.Join(home, "cfg", "natter"),
		Data:      filepath.Join(home, ".local", "share", "natter"),
		Downloads: dl,
	}, f)
}

func TestAdopt(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "config", "natter", "shared")
	new := filepath.Join(dir, "data", "natter", "shared")

	// Nothing at either place: the new one.
	got, err := Adopt(old, new)
	require.NoError(t, err)
	require.Equal(t, new, got)
	require.NoDirExists(t, new, "Adopt creates nothing itself")

	// Files at the old place move with the folder.
	require.NoError(t, os.MkdirAll(old, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(old, "notes.txt"), []byte("kept"), 0o644))
	got, err = Adopt(old, new)
	require.NoError(t, err)
	require.Equal(t, new, got)
	b, err := os.ReadFile(filepath.Join(new, "notes.txt"))
	require.NoError(t, err)
	require.Equal(t, "kept", string(b))
	require.NoDirExists(t, old)

	// Both exist: the new one wins and the old is left alone.
	require.NoError(t, os.MkdirAll(old, 0o755))
	got, err = Adopt(old, new)
	require.NoError(t, err)
	require.Equal(t, new, got)
	require.DirExists(t, old)
}

func TestAdoptKeepsOldWhenTheMoveFails(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	require.NoError(t, os.Mkdir(old, 0o755))
	// The new folder's parent is a file: it cannot be made.
	blocker := filepath.Join(dir, "blocker")
	require.NoError(t, os.WriteFile(blocker, nil, 0o644))
	got, err := Adopt(old, filepath.Join(blocker, "shared"))
	require.Error(t, err)
	require.Equal(t, old, got)
	require.DirExists(t, old)
}
