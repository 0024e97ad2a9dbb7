//go:build unix && !android

package main

import (
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/natter-chat/natter/app/ui"
)

// canKeepHosting: on the desktop the process can go on running a hub
// after its window closed.
const canKeepHosting = true

// backgroundFile names, in the configuration folder, the hub a closed
// window left running: its process and address, so that the next start
// can say so and stop it.
const backgroundFile = "background-hub.json"

type backgroundRecord struct {
	PID  int    `json:"pid"`
	Addr string `json:"addr"`
}

// serveHeadless runs on with the hub h after the window closed, until
// SIGTERM or Ctrl+C (what the next start's "Stop it" sends), then stops
// it so that everyone gets BYE shutdown.
func serveHeadless(h ui.Hosted, dataDir string, logger *slog.Logger) {
	path := filepath.Join(dataDir, backgroundFile)
	rec, _ := json.Marshal(backgroundRecord{PID: os.Getpid(), Addr: h.Addr()})
	if err := os.WriteFile(path, rec, 0o600); err != nil {
		logger.Warn("background hub not recorded; stop it with kill", "pid", os.Getpid(), "err", err)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	<-sigs
	signal.Stop(sigs)
	if err := h.Close(); err != nil {
		logger.Warn("background hub close", "err", err)
	}
	os.Remove(path)
}

// findBackground returns the hub a closed window left running, or nil
// when there is none (a record whose process is gone is removed).
func findBackground(dataDir string, logger *slog.Logger) *ui.BackgroundHub {
	path := filepath.Join(dataDir, backgroundFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var rec backgroundRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.PID <= 0 || rec.PID == os.Getpid() {
		os.Remove(path)
		return nil
	}
	// Signal 0 checks that the process exists and is ours.
	if err := syscall.Kill(rec.PID, 0); err != nil {
		logger.Info("background hub record left by a process that ended; removed", "pid", rec.PID)
		os.Remove(path)
		return nil
	}
	return &ui.BackgroundHub{Addr: rec.Addr, Stop: func() error {
		err := syscall.Kill(rec.PID, syscall.SIGTERM)
		if errors.Is(err, syscall.ESRCH) {
			return nil // stopped meanwhile
		}
		return err
	}}
}
