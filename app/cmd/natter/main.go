//go:build !js

// Command natter is Natter's chat client: a window onto a Natter hub on the
// local network, or on a hub it hosts itself.
//
//	natter [-nick alice] [-addr host:port] [-join] [-host] [-theme dark] [-lan-search=false]
//
// While it runs it looks for hubs on the local network (package
// core/discovery) and lists them on the login screen.
//
// It is the only package that imports gioui.org/app; the screens live in
// app/ui and are drawn by the same Layout in tests and screenshots.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"gioui.org/app"
	"gioui.org/io/system"
	"gioui.org/op"
	"gioui.org/unit"
	"gioui.org/x/explorer"
	xtheme "gioui.org/x/pref/theme"

	"github.com/natter-chat/natter/app/folders"
	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/discovery"
)

type options struct {
	nick, addr string
	join, host bool
	theme      string
	dataDir    string
	downloads  string
	verbose    bool
	lanSearch  bool
}

func main() {
	var o options
	flag.StringVar(&o.nick, "nick", os.Getenv("NATTER_NICK"), "nickname to prefill (env NATTER_NICK)")
	flag.StringVar(&o.addr, "addr", os.Getenv("NATTER_ADDR"), "hub address host:port to prefill (env NATTER_ADDR)")
	flag.BoolVar(&o.join, "join", false, "join at once with -nick and -addr")
	flag.BoolVar(&o.host, "host", false, "host a hub on this device and join it at once with -nick")
	flag.StringVar(&o.theme, "theme", "", `"dark", "light" or "system" for this run (default: the one chosen in the app, else the system's)`)
	flag.StringVar(&o.dataDir, "data", "", "folder for preferences and a hosted hub's files (default: the platform's configuration and data folders, such as ~/.config/natter and ~/.local/share/natter)")
	flag.StringVar(&o.downloads, "downloads", "", "folder for downloads (default: the platform's download folder)")
	flag.BoolVar(&o.verbose, "v", false, "log diagnostics to stderr")
	flag.BoolVar(&o.lanSearch, "lan-search", os.Getenv("NATTER_LAN_SEARCH") != "false",
		"list the hubs on the local network on the login screen (env NATTER_LAN_SEARCH=false turns it off)")
	flag.Parse()
	if o.theme != "" && o.theme != "dark" && o.theme != "light" && o.theme != "system" {
		fmt.Fprintf(os.Stderr, "natter: -theme %q: want dark, light or system\n", o.theme)
		os.Exit(2)
	}

	go func() {
		w := new(app.Window)
		w.Option(app.Title("Natter"), app.Size(unit.Dp(1024), unit.Dp(700)), app.MinSize(unit.Dp(320), unit.Dp(480)))
		kept, err := run(w, o)
		if err != nil {
			log.Fatal(err)
		}
		if kept != nil {
			// The host chose to keep hosting with the window closed.
			serveHeadless(kept.hub, kept.dataDir, kept.logger)
		}
		os.Exit(0)
	}()
	app.Main()
}

// keptHub is a hosted hub to run on after the window closed.
type keptHub struct {
	hub     ui.Hosted
	dataDir string
	logger  *slog.Logger
}

func run(w *app.Window, o options) (*keptHub, error) {
	var kept atomic.Pointer[keptHub]
	err := runWindow(w, o, &kept)
	return kept.Load(), err
}

func runWindow(w *app.Window, o options, kept *atomic.Pointer[keptHub]) error {
	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	dirs, err := appFolders(o.dataDir)
	if err != nil {
		return fmt.Errorf("no folder for preferences: %w", err)
	}
	dataDir := dirs.Config
	// A hosted hub's files lived in the configuration folder before they
	// moved to the data folder.
	sharedDir, err := folders.Adopt(filepath.Join(dirs.Config, "shared"), filepath.Join(dirs.Data, "shared"))
	if err != nil {
		logger.Warn("shared folder", "err", err)
	}
	downloads := o.downloads
	if downloads == "" {
		downloads = dirs.Downloads
	}
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		logger.Warn("download folder", "err", err)
	}

	// Hubs on the network are looked for from the start, for the login
	// screen; every change asks for a frame. A search that cannot run says
	// why on the login screen.
	var search *login.Search
	if o.lanSearch {
		search = login.StartSearch(discovery.BrowserOptions{}, w.Invalidate)
		defer search.Close()
	}

	expl := explorer.NewExplorer(w)
	cfg := ui.Config{
		DataDir:     dataDir,
		ChatLogDir:  filepath.Join(dirs.Data, "chatlog"),
		DownloadDir: downloads,
		PreviewDir:  filepath.Join(dirs.Data, "previews"),
		Nick:        o.nick,
		Addr:        o.addr,
		Connect:     connector(w),
		Host:        hoster(sharedDir, filepath.Join(dirs.Data, "hub"), logger),
		HostNote:    "Starts a hub on port 50000 (or a free port) sharing " + sharedDir,
		PickFile:    filePicker(expl),
		OpenFolder:  openFolder,
		OpenFile:    openFile,
		OpenURL:     openURL,
		Notify:      notifier(logger),
		Invalidate:  w.Invalidate,
		Logger:      logger,
	}
	if search != nil {
		cfg.Found = search.Found
	}
	cfg.Pins, cfg.Device = trustFiles(dirs.Config, logger)
	if o.theme == "dark" || o.theme == "light" {
		d := o.theme == "dark"
		cfg.Dark = &d
	}
	cfg.Background = findBackground(dataDir, logger)
	var closeRequested atomic.Bool
	if canKeepHosting {
		cfg.KeepHosting = func(h ui.Hosted) {
			kept.Store(&keptHub{hub: h, dataDir: dataDir, logger: logger})
			// The window goes the ordinary way (DestroyEvent); the
			// process stays for the hub.
			w.Perform(system.ActionClose)
			w.Invalidate()
		}
	}
	cfg.CloseWindow = func() {
		// Answered: close without asking again (the hub is stopped).
		closeRequested.Store(true)
		w.Perform(system.ActionClose)
		w.Invalidate()
	}
	u := ui.New(cfg)
	// The system's dark mode is asked at the start and whenever the window
	// comes back to the front, where a change made meanwhile shows.
	askSystemTheme := func() {
		go func() { u.SetSystemDark(systemDark(logger)) }()
	}
	askSystemTheme()
	switch {
	case o.host:
		u.Join(login.Request{Nick: o.nick, Host: true})
	case o.join:
		u.Join(login.Request{Nick: o.nick, Addr: login.NormalizeAddr(o.addr)})
	}

	// Ctrl+C or a SIGTERM closes the window the ordinary way, so the
	// session still ends with QUIT.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer func() {
		signal.Stop(sigs)
		close(sigs)
	}()
	go func() {
		if _, ok := <-sigs; ok {
			// The next frame ends the loop; the close action alone may
			// sit unsent in the X11 output queue of an idle window.
			closeRequested.Store(true)
			w.Perform(system.ActionClose)
			w.Invalidate()
		}
	}()

	var ops op.Ops
	title := "Natter"
	focused := false
	for {
		e := w.Event()
		expl.ListenEvents(e)
		switch e := e.(type) {
		case *app.ClosingEvent:
			// A host closing the window while others use the hub is
			// asked first, as for Leave; Ctrl+C and SIGTERM are not.
			if !closeRequested.Load() && u.AskBeforeClose() {
				e.Abort()
				w.Invalidate()
			}
		case app.DestroyEvent:
			// Leave the hub cleanly so others see "LEAVE … quit".
			if err := u.Close(); err != nil {
				logger.Warn("close", "err", err)
			}
			if e.Err != nil && !errors.Is(e.Err, context.Canceled) {
				return e.Err
			}
			return nil
		case app.ConfigEvent:
			if e.Config.Focused && !focused {
				askSystemTheme()
			}
			focused = e.Config.Focused
			u.SetFocused(focused)
		case app.FrameEvent:
			if closeRequested.Load() {
				if err := u.Close(); err != nil {
					logger.Warn("close", "err", err)
				}
				return nil
			}
			gtx := app.NewContext(&ops, e)
			if search != nil {
				u.Login.SearchNote = search.Note()
			} else {
				u.Login.SearchNote = "LAN search is off (-lan-search=false)"
			}
			u.Layout(gtx)
			e.Frame(gtx.Ops)
			if t := u.Title(); t != title {
				title = t
				w.Option(app.Title(t))
			}
		}
	}
}

// systemDark reports whether the system prefers a dark theme. Gio's
// x/pref/theme answers on Windows, macOS and Android (the browser build has
// its own main); on Linux and the BSDs the desktop's settings portal does,
// over D-Bus. No answer within half a second, or none at all, means light.
func systemDark(logger *slog.Logger) bool {
	if runtime.GOOS != "android" && runtime.GOOS != "windows" && runtime.GOOS != "darwin" &&
		runtime.GOOS != "ios" {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		dark, err := theme.PortalDark(ctx, "")
		if err != nil {
			logger.Debug("the system's theme is not known; using light", "err", err)
		}
		return dark
	}
	dark, err := xtheme.IsDarkMode()
	if err != nil {
		logger.Debug("the system's theme is not known; using light", "err", err)
		return false
	}
	return dark
}

// desktopOpener is the command that opens target with the desktop's
// program for it (a folder, on Windows, with the file manager), the
// target passed as an argument, never through a shell.
func desktopOpener(target string, folder bool) *exec.Cmd {
	switch {
	case runtime.GOOS == "darwin":
		return exec.Command("open", target)
	case runtime.GOOS == "windows" && folder:
		return exec.Command("explorer", target)
	case runtime.GOOS == "windows":
		return exec.Command("rundll32", "url.dll,FileProtocolHandler", target)
	default:
		return exec.Command("xdg-open", target)
	}
}

// openURL opens an http or https address with the platform's opener: the
// default browser. Only web addresses are handed over, and as an argument,
// never through a shell. The error says in plain words what went wrong.
func openURL(url string) error {
	lower := strings.ToLower(url)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return errors.New("only web addresses (http and https) can be opened")
	}
	cmd := desktopOpener(url, false)
	if err := cmd.Start(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return fmt.Errorf("no program to open web pages was found (%s is missing)", filepath.Base(cmd.Path))
		}
		return fmt.Errorf("the web browser did not start (%v)", err)
	}
	// Reap the opener when it exits; it hands the address over at once.
	go func() { _ = cmd.Wait() }()
	return nil
}
