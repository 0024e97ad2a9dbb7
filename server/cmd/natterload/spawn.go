package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// defaultHubArgs lift natterd's per-client line rate (20 lines/s, bursts
// of 50 by default), which would otherwise answer a sender at full speed
// with ERR 429 slow-down and soon drop it as a flood, and exempt loopback
// from the per-host limits: every load client comes from this one host.
const defaultHubArgs = "-rate inf -host-exempt 127.0.0.0/8,::1"

// hubDefaultMaxClients is natterd's default -max-clients.
const hubDefaultMaxClients = 10000

// hubProcess is a natterd started for one run.
type hubProcess struct {
	Addr    string
	TLSAddr string // "" when the hub args turned TLS off
	Command string
	cmd     *exec.Cmd
	root    string // temporary: the shared folder and the log
	logPath string
	exited  chan struct{}
	waitErr error
}

func (h *hubProcess) PID() int { return h.cmd.Process.Pid }

// spawnHub starts the natterd at path on a free loopback port with the
// given extra flags, and waits until it accepts connections.
func spawnHub(ctx context.Context, path, args, logPath string, clients int) (*hubProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "natterload-hub-")
	if err != nil {
		return nil, err
	}
	shared := filepath.Join(root, "shared")
	if err := os.Mkdir(shared, 0o755); err != nil {
		os.RemoveAll(root)
		return nil, err
	}
	if logPath == "" {
		logPath = filepath.Join(root, "natterd.log")
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("hub log: %w", err)
	}
	defer logFile.Close() // the child has its own copy

	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	argv := strings.Fields(args)
	if clients+1 > hubDefaultMaxClients && !strings.Contains(args, "-max-clients") {
		// Room for every client and natterload's readiness probe, which may
		// not have been seen to close yet.
		argv = append(argv, "-max-clients", strconv.Itoa(clients+1))
	}
	argv = append(argv, "-addr", addr, "-udp-addr", addr, "-dir", shared)
	// The hub measured listens on loopback alone: no web app or metrics
	// on their fixed ports (which a second hub could not take either),
	// and no announcement on the network.
	for _, off := range []string{"-http-addr", "-metrics-addr"} {
		if !strings.Contains(args, off) {
			argv = append(argv, off+"=")
		}
	}
	if !strings.Contains(args, "-announce") {
		argv = append(argv, "-announce=false")
	}
	tlsAddr := ""
	if !strings.Contains(args, "-tls-addr") {
		// Every run has a TLS port, so that a plaintext run and a -tls run
		// measure the same hub.
		tlsPort, err := freePort()
		if err != nil {
			os.RemoveAll(root)
			return nil, err
		}
		tlsAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))
		argv = append(argv, "-tls-addr", tlsAddr)
	}
	if !strings.Contains(args, "-data-dir") {
		// A flag given twice takes its last value: the hub's own
		// -data-dir (such as "-" for no store) must not be overridden.
		argv = append(argv, "-data-dir", filepath.Join(root, "data"))
	}
	cmd := exec.Command(path, argv...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.SysProcAttr = hubProcAttr()
	h := &hubProcess{
		Addr: addr, TLSAddr: tlsAddr, Command: path + " " + strings.Join(argv, " "),
		cmd: cmd, root: root, logPath: logPath, exited: make(chan struct{}),
	}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(root)
		return nil, fmt.Errorf("starting hub %s: %w", path, err)
	}
	go func() {
		h.waitErr = cmd.Wait()
		close(h.exited)
	}()
	if err := h.waitReady(ctx, 15*time.Second); err != nil {
		_ = h.Stop()
		return nil, err
	}
	return h, nil
}

// waitReady polls the hub's port until it accepts a connection.
func (h *hubProcess) waitReady(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		conn, err := net.DialTimeout("tcp", h.Addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-h.exited:
			return fmt.Errorf("hub exited before accepting connections (%v):\n%s", h.waitErr, h.logTail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("hub did not accept connections on %s within %v:\n%s", h.Addr, limit, h.logTail())
		}
	}
}

// Stop ends the hub: SIGTERM, then SIGKILL if it has not exited within
// 10 s. It removes the hub's temporary folder, log included unless the log
// was asked for elsewhere.
func (h *hubProcess) Stop() error {
	defer os.RemoveAll(h.root)
	select {
	case <-h.exited:
	default:
		_ = h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.exited:
		case <-time.After(10 * time.Second):
			_ = h.cmd.Process.Kill()
			<-h.exited
			return errors.New("hub did not exit within 10 s of SIGTERM; killed")
		}
	}
	var exit *exec.ExitError
	if errors.As(h.waitErr, &exit) && exit.Exited() && exit.ExitCode() != 0 {
		return fmt.Errorf("hub exited with status %d:\n%s", exit.ExitCode(), h.logTail())
	}
	return nil
}

// logTail returns the end of the hub's output.
func (h *hubProcess) logTail() string {
	data, err := os.ReadFile(h.logPath)
	if err != nil {
		return "(no hub output: " + err.Error() + ")"
	}
	const keep = 2048
	if len(data) > keep {
		data = data[len(data)-keep:]
	}
	return string(data)
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
