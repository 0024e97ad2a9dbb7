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
	"io"
	"log"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync/atomic"
	"syscall"

	"gioui.org/app"
	"gioui.org/io/system"
	"gioui.org/op"
	"gioui.org/unit"
	"gioui.org/x/explorer"

	"github.com/natter-chat/natter/app/folders"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
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
	flag.StringVar(&o.theme, "theme", "", `"dark" or "light" (default: the last one used)`)
	flag.StringVar(&o.dataDir, "data", "", "folder for preferences and a hosted hub's files (default: the platform's configuration and data folders, such as ~/.config/natter and ~/.local/share/natter)")
	flag.StringVar(&o.downloads, "downloads", "", "folder for downloads (default: the platform's download folder)")
	flag.BoolVar(&o.verbose, "v", false, "log diagnostics to stderr")
	flag.BoolVar(&o.lanSearch, "lan-search", os.Getenv("NATTER_LAN_SEARCH") != "false",
		"list the hubs on the local network on the login screen (env NATTER_LAN_SEARCH=false turns it off)")
	flag.Parse()
	if o.theme != "" && o.theme != "dark" && o.theme != "light" {
		fmt.Fprintf(os.Stderr, "natter: -theme %q: want dark or light\n", o.theme)
		os.Exit(2)
	}

	go func() {
		w := new(app.Window)
		w.Option(app.Title("Natter"), app.Size(unit.Dp(1024), unit.Dp(700)), app.MinSize(unit.Dp(320), unit.Dp(480)))
		if err := run(w, o); err != nil {
			log.Fatal(err)
		}
		os.Exit(0)
	}()
	app.Main()
}

func run(w *app.Window, o options) error {
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
		DownloadDir: downloads,
		Nick:        o.nick,
		Addr:        o.addr,
		Connect: func(ctx context.Context, cc client.Config) (ui.Session, error) {
			c, err := client.New(cc)
			if err != nil {
				return nil, err
			}
			if err := c.Start(ctx); err != nil {
				return nil, err
			}
			// Every change of the client's state asks for a frame, until
			// the client has stopped.
			go func() {
				for {
					select {
					case <-c.Changed():
						w.Invalidate()
					case <-c.Done():
						w.Invalidate()
						return
					}
				}
			}()
			return c, nil
		},
		Host:     hoster(sharedDir, filepath.Join(dirs.Data, "hub"), logger),
		HostNote: "Starts a hub on port 50000 (or a free port) sharing " + sharedDir,
		PickFile: func() (io.ReadCloser, error) {
			rc, err := expl.ChooseFile()
			if errors.Is(err, explorer.ErrUserDecline) {
				return nil, ui.ErrNoFileChosen
			}
			return rc, err
		},
		OpenFolder: openFolder,
		Notify:     notifier(logger),
		Invalidate: w.Invalidate,
		Logger:     logger,
	}
	if search != nil {
		cfg.Found = search.Found
	}
	if o.theme != "" {
		d := o.theme == "dark"
		cfg.Dark = &d
	}
	u := ui.New(cfg)
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
	var closeRequested atomic.Bool
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
	for {
		e := w.Event()
		expl.ListenEvents(e)
		switch e := e.(type) {
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
			u.SetFocused(e.Config.Focused)
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
