package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/monitor"
)

// defaultMetricsAddr keeps the figures on this machine unless asked: they
// say who is busy, which is nobody else's business.
const defaultMetricsAddr = "127.0.0.1:50081"

// serveMonitor serves /healthz and /metrics for h on addr until ctx is
// done. A port that cannot be opened costs only the figures: the hub goes
// on, and the log says why.
func serveMonitor(ctx context.Context, addr string, h *server.Hub, log *slog.Logger) (stopped <-chan struct{}) {
	done := make(chan struct{})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("no health check or metrics: cannot listen", "metrics_addr", addr, "err", err)
		close(done)
		return done
	}
	log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	srv := &http.Server{
		Handler:           monitor.Handler(h, strings.TrimPrefix(versionLine(version, buildInfo()), "natterd ")),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	return done
}

// metricsURL is the base URL natterd -status reads for a -metrics-addr: a
// host left out (":50081") is this machine.
func metricsURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://" + addr
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + strings.TrimSuffix(net.JoinHostPort(host, port), "/")
}
