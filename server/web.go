package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// DefaultWebAddr is the default of WebConfig.Addr.
const DefaultWebAddr = ":50080"

// WebConfig configures the hub's web part (Config.Web, natter/1 section
// 11): over HTTP it serves the app built for the browser at /, natter/1
// sessions over WebSocket at /natter, and the transfers granted by GET and
// PUT at /t/<token>.
type WebConfig struct {
	// Addr is the TCP address of the HTTP server (Listen, ListenAndServe);
	// "" takes DefaultWebAddr.
	Addr string
	// App is the web app: index.html and the files it loads. Each file
	// may have a gzip-compressed copy beside it, name.gz, served to
	// browsers that accept it. Nil serves a page saying the app is not
	// part of this hub.
	App fs.FS
}

// webPart is the hub's HTTP server. Sessions it upgrades join the hub
// through accept, as TCP sessions do, so that they count in MaxClients and
// follow every rule of a session.
type webPart struct {
	log       *slog.Logger
	app       *appFiles
	transfers *transferService // nil: /t/ answers 503
	accept    func(net.Conn)   // adds a session to the hub

	handlers sync.WaitGroup // upgrades in progress
}

func newWebPart(cfg WebConfig, log *slog.Logger, ts *transferService, accept func(net.Conn)) (*webPart, error) {
	app, err := loadAppFiles(cfg.App)
	if err != nil {
		return nil, fmt.Errorf("natter hub web app: %w", err)
	}
	return &webPart{log: log, app: app, transfers: ts, accept: accept}, nil
}

// handler routes the hub's HTTP requests.
func (w *webPart) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /natter", w.serveSession)
	mux.HandleFunc("GET /t/{token}", w.serveDownload)
	mux.HandleFunc("PUT /t/{token}", w.serveUpload)
	mux.Handle("GET /", w.app)
	return mux
}

// serve runs the HTTP server on ln until ctx is done, then waits for the
// upgrades in progress, so that no session joins a hub that is stopping.
func (w *webPart) serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           w.handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(w.log.Handler(), slog.LevelDebug),
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	stop := context.AfterFunc(ctx, func() { srv.Close() })
	defer stop()
	w.log.Info("web app listening", "addr", ln.Addr().String())
	err := srv.Serve(ln)
	srv.Close()
	w.handlers.Wait()
	if errors.Is(err, http.ErrServerClosed) && ctx.Err() != nil {
		return nil
	}
	return err
}

// serveSession upgrades a request from the hub's own pages to a natter/1
// session over WebSocket.
func (w *webPart) serveSession(rw http.ResponseWriter, r *http.Request) {
	w.handlers.Add(1)
	defer w.handlers.Done()
	if err := checkOrigin(r); err != nil {
		w.log.Info("refusing a WebSocket session", "remote", r.RemoteAddr, "err", err)
		http.Error(rw, err.Error(), http.StatusForbidden)
		return
	}
	conn, err := wsAccept(rw, r)
	if err != nil {
		w.log.Info("WebSocket upgrade failed", "remote", r.RemoteAddr, "err", err)
		return
	}
	w.accept(conn)
}

// checkOrigin accepts a WebSocket upgrade only from a page of this hub:
// its Origin must be present, http or https, and name the host and port
// the request was sent to. A page elsewhere that a browser on the network
// opened cannot talk to the hub in its user's name.
func checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return errors.New("a WebSocket session needs an Origin header naming the hub's own page")
	}
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("the Origin %q is not an http or https origin", origin)
	}
	if !strings.EqualFold(u.Host, r.Host) {
		return fmt.Errorf("the Origin %q is not this hub's own (http://%s)", origin, r.Host)
	}
	return nil
}

func (c *WebConfig) addr() string {
	if c.Addr == "" {
		return DefaultWebAddr
	}
	return c.Addr
}

// WebAddr returns the address of the hub's web app, or nil before Serve
// or when the hub has none.
func (h *Hub) WebAddr() net.Addr {
	if a := h.webAddr.Load(); a != nil {
		return *a
	}
	return nil
}
