// Command xferbench is the client side of scripts/bench-transfer.sh.
//
//	xferbench get -addr 127.0.0.1:50000 -file name [-window 16] [-sha256 hex]
//
// downloads a file with Natter's TFTP client into nothing (the SHA-256 is
// computed all the same, as the app does) and prints the bytes, seconds,
// rate and the receiver's counts: ACKs it sent again (retransmits) and
// DATA that came twice (dupdata, the sender's retransmissions that
// arrived); with -sha256 it fails unless the data matches.
//
//	xferbench put -hub 127.0.0.1:50000 -file path [-curl]
//
// uploads a file to a Natter hub: it opens a session, asks for a PUT grant
// and sends the file with Natter's client, or with -curl runs
// curl -T with the token. It prints the bytes, the seconds of the transfer
// (curl's whole run, start-up included) and the rate once the hub has
// announced the file as SHARED.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/natter-chat/natter/core/tftp"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "get":
		err = get(ctx, os.Args[2:])
	case "put":
		err = put(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xferbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: xferbench get -addr host:port -file name [-window n] [-blksize n] [-sha256 hex]\n"+
		"       xferbench put -hub host:port -file path [-curl] [-window n]")
	os.Exit(2)
}

func get(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("get", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:50000", "TFTP server `address`")
	file := fs.String("file", "", "file `name` or token to fetch")
	window := fs.Int("window", 1, "windowsize to ask for")
	blksize := fs.Int("blksize", tftp.DefaultClientBlockSize, "blksize to ask for")
	want := fs.String("sha256", "", "expected SHA-256 in hex")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	fs.Parse(args)
	if *file == "" {
		return errors.New("get: -file is required")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	res, err := tftp.Download(ctx, *addr, *file, &tftp.ClientOptions{WindowSize: *window, BlockSize: *blksize}, io.Discard)
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if *want != "" && hex.EncodeToString(res.SHA256[:]) != *want {
		return fmt.Errorf("get: received %d bytes with SHA-256 %x, want %s", res.Bytes, res.SHA256, *want)
	}
	fmt.Printf("bytes=%d seconds=%.3f MBps=%.2f blocks=%d retransmits=%d dupdata=%d timeouts=%d\n",
		res.Bytes, secs, float64(res.Bytes)/secs/1e6, res.Stats.Blocks, res.Stats.Retransmits, res.Stats.DupData, res.Stats.Timeouts)
	return nil
}

func put(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("put", flag.ExitOnError)
	hub := fs.String("hub", "127.0.0.1:50000", "the hub's TCP `address`")
	path := fs.String("file", "", "`file` to upload")
	useCurl := fs.Bool("curl", false, "upload with curl -T instead of Natter's client")
	window := fs.Int("window", 1, "windowsize to ask for (Natter's client)")
	timeout := fs.Duration("timeout", 5*time.Minute, "give up after this long")
	fs.Parse(args)
	if *path == "" {
		return errors.New("put: -file is required")
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	data, err := os.ReadFile(*path)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	host, _, err := net.SplitHostPort(*hub)
	if err != nil {
		return fmt.Errorf("put: -hub %q: %w", *hub, err)
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", *hub)
	if err != nil {
		return err
	}
	defer conn.Close()
	context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	lines := bufio.NewReader(conn)
	fmt.Fprintf(conn, "NICK bench%d\nPUT %d %x %s\n", os.Getpid(), len(data), sum, filepath.Base(*path))
	// PUT <token> <udp-port> <stored-name>
	grant, err := awaitLine(lines, "PUT ")
	if err != nil {
		return fmt.Errorf("put: waiting for the grant: %w", err)
	}
	f := strings.Fields(grant)
	if len(f) < 4 {
		return fmt.Errorf("put: malformed grant %q", grant)
	}
	token, udp := f[1], net.JoinHostPort(host, f[2])
	start := time.Now()
	if *useCurl {
		out, err := exec.CommandContext(ctx, "curl", "-sS", "--tftp-blksize", "2048", "-T", *path,
			"tftp://"+udp+"/"+token).CombinedOutput()
		if err != nil {
			return fmt.Errorf("put: curl: %v: %s", err, out)
		}
	} else {
		_, err := tftp.Upload(ctx, udp, token, int64(len(data)), bytes.NewReader(data),
			&tftp.ClientOptions{WindowSize: *window})
		if err != nil {
			return err
		}
	}
	secs := time.Since(start).Seconds()
	if _, err := awaitLine(lines, "SHARED "); err != nil {
		return fmt.Errorf("put: waiting for the hub to share the file: %w", err)
	}
	fmt.Printf("bytes=%d seconds=%.3f MBps=%.2f\n", len(data), secs, float64(len(data))/secs/1e6)
	return nil
}

// awaitLine reads lines until one starts with prefix and returns it; an ERR
// line is an error.
func awaitLine(r *bufio.Reader, prefix string) (string, error) {
	for range 10000 {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(line, prefix) {
			return line, nil
		}
		if strings.HasPrefix(line, "ERR ") {
			return "", fmt.Errorf("hub said %q", line)
		}
	}
	return "", fmt.Errorf("no %q line among the first 10000", strings.TrimSpace(prefix))
}
