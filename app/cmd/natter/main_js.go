//go:build js

package main

import (
	xtheme "gioui.org/x/pref/theme"
	"log"
	"log/slog"
	"os"
	"syscall/js"

	"gioui.org/app"
	"gioui.org/op"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
)

// In a browser the app is the page of a hub's web part (natter/1 section
// 11): it joins the hub that served it, over WebSocket, and moves files
// over HTTP. There is no hub to host, no network to search and no folder
// to open, so the UI offers none of them. Files are picked with an input
// element of the page (see pickBrowserFile).
func main() {
	go func() {
		w := new(app.Window)
		w.Option(app.Title("Natter"))
		if err := run(w); err != nil {
			log.Fatal(err)
		}
	}()
	app.Main()
}

func run(w *app.Window) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	loc := js.Global().Get("location")
	host, origin := loc.Get("host").String(), loc.Get("origin").String()
	u := ui.New(ui.Config{
		Addr:       host,
		Connect:    connector(w),
		PickFile:   pickBrowserFile,
		Invalidate: w.Invalidate,
		Logger:     logger,
		ClientConfig: func(c *client.Config) {
			c.Addr = host
			c.Dial = client.DialWebSocket
			c.WebBase = origin
		},
	})
	u.Login.Served = true
	// The browser knows the system's theme (prefers-color-scheme).
	if dark, err := xtheme.IsDarkMode(); err == nil {
		u.SetSystemDark(dark)
	}

	var ops op.Ops
	for {
		e := w.Event()
		switch e := e.(type) {
		case app.DestroyEvent:
			u.Close()
			return e.Err
		case app.ConfigEvent:
			u.SetFocused(e.Config.Focused)
		case app.FrameEvent:
			gtx := app.NewContext(&ops, e)
			u.Layout(gtx)
			e.Frame(gtx.Ops)
		}
	}
}
