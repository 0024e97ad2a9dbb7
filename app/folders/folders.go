// Package folders finds where the app keeps its files, in each platform's
// own places: preferences in the configuration folder, a hosted hub's
// shared files in the data folder, downloads in the user's Downloads
// folder. On Linux and the BSDs these come from the XDG base directory
// specification and xdg-user-dirs (XDG_CONFIG_HOME, XDG_DATA_HOME,
// XDG_DOWNLOAD_DIR).
package folders

import (
	"bufio"
	"bytes"
	"errors"
	"path/filepath"
	"strings"
)

// App is the name of the app's own folder inside each base folder.
const App = "natter"

// Folders are the app's folders.
type Folders struct {
	Config    string // preferences, the device identity
	Data      string // a hosted hub's shared folder and its data
	Downloads string // where downloads are saved
}

// System is what Resolve reads of the machine, so that it can be asked
// about any platform in a test.
type System struct {
	GOOS     string
	Getenv   func(string) string
	Home     string                       // the user's home folder; "" when unknown
	ReadFile func(string) ([]byte, error) // for user-dirs.dirs
	IsDir    func(string) bool
}

// ErrNoHome is returned when neither the environment nor the home folder
// says where the app's files belong.
var ErrNoHome = errors.New("folders: no home folder and no folder set in the environment")

// Resolve returns the app's folders on sys. dataOverride, when set (the
// app's -data flag), holds preferences and a hosted hub's files alike, and
// downloads when no Downloads folder is found.
func Resolve(sys System, dataOverride string) (Folders, error) {
	var f Folders
	switch sys.GOOS {
	case "windows":
		f.Config = join(sys.Getenv("AppData"), App)
		f.Data = join(sys.Getenv("LocalAppData"), App)
		if f.Data == "" {
			f.Data = f.Config
		}
		f.Downloads = existing(sys, join(firstSet(sys.Getenv("USERPROFILE"), sys.Home), "Downloads"))
	case "darwin", "ios":
		base := join(sys.Home, "Library", "Application Support")
		f.Config, f.Data = join(base, App), join(base, App)
		f.Downloads = existing(sys, join(sys.Home, "Downloads"))
	default: // Linux, the BSDs: XDG
		f.Config = join(xdgBase(sys, "XDG_CONFIG_HOME", ".config"), App)
		f.Data = join(xdgBase(sys, "XDG_DATA_HOME", filepath.Join(".local", "share")), App)
		f.Downloads = xdgDownloads(sys)
	}
	if dataOverride != "" {
		f.Config, f.Data = dataOverride, dataOverride
	}
	if f.Config == "" || f.Data == "" {
		return Folders{}, ErrNoHome
	}
	if f.Downloads == "" {
		f.Downloads = filepath.Join(f.Data, "downloads")
	}
	return f, nil
}

// xdgBase is the folder an XDG variable names when it holds an absolute
// path (the specification says to ignore a relative one), else home/def.
func xdgBase(sys System, name, def string) string {
	if v := sys.Getenv(name); filepath.IsAbs(v) {
		return v
	}
	return join(sys.Home, def)
}

// xdgDownloads is the user's Downloads folder: XDG_DOWNLOAD_DIR from the
// environment or from user-dirs.dirs (which names it in the user's
// language, "Téléchargements"), else ~/Downloads; "" when none exists.
func xdgDownloads(sys System) string {
	if v := sys.Getenv("XDG_DOWNLOAD_DIR"); filepath.IsAbs(v) && sys.IsDir(v) {
		return v
	}
	if sys.ReadFile != nil && sys.Home != "" {
		conf := filepath.Join(xdgBase(sys, "XDG_CONFIG_HOME", ".config"), "user-dirs.dirs")
		if b, err := sys.ReadFile(conf); err == nil {
			if d, ok := UserDir(b, "XDG_DOWNLOAD_DIR", sys.Home); ok && sys.IsDir(d) {
				return d
			}
		}
	}
	return existing(sys, join(sys.Home, "Downloads"))
}

// UserDir reads the folder named key from the contents of an xdg-user-dirs
// file: lines `XDG_DOWNLOAD_DIR="$HOME/Downloads"`, where the value is an
// absolute path or one relative to $HOME. A value of "$HOME/" alone means
// the folder is not set.
func UserDir(conf []byte, key, home string) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(conf))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		name, value, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(name) != key {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' {
			return "", false
		}
		value = strings.ReplaceAll(value[1:len(value)-1], `\"`, `"`)
		switch {
		case strings.HasPrefix(value, "$HOME"):
			rest := strings.Trim(strings.TrimPrefix(value, "$HOME"), "/")
			if rest == "" || home == "" {
				return "", false
			}
			return filepath.Join(home, rest), true
		case filepath.IsAbs(value):
			return filepath.Clean(value), true
		}
		return "", false
	}
	return "", false
}

func existing(sys System, dir string) string {
	if dir != "" && sys.IsDir(dir) {
		return dir
	}
	return ""
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// join is filepath.Join that keeps an unknown base unknown.
func join(base string, elem ...string) string {
	if base == "" {
		return ""
	}
	return filepath.Join(append([]string{base}, elem...)...)
}
