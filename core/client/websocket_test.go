package client

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
)

// webHub is a real hub with its transfers and web part on 127.0.0.1.
type webHub struct {
	addr, web string // host:port of TCP sessions and of the web part
}

func startWebHub(t *testing.T, dir string) webHub {
	t.Helper()
	hub, err := server.New(server.Config{Dir: dir, Name: "Test hub", Logger: slog.New(slog.DiscardHandler),
		Transfers: &server.TransferConfig{}, Web: &server.WebConfig{}})
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	require.NoError(t, err)
	web, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hub.ServeListeners(ctx, server.Listeners{Sessions: ln, Packets: pc, Web: web}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(20 * time.Second):
			t.Error("hub did not stop")
		}
	})
	return webHub{addr: ln.Addr().String(), web: web.Addr().String()}
}

func TestWebSocketClientChatsAndTransfersOverHTTP(t *testing.T) {
	shared := t.TempDir()
	want := writeRandomFile(t, shared, "holiday photo é.jpg", 300_000)
	h := startWebHub(t, shared)
	phone := startClient(t, Config{Addr: h.web, Nick: "phone", Dial: DialWebSocket, WebBase: "http://" + h.web, EventBuffer: 100_000})
	waitFor(t, phone, "phone registered", registered)
	desk := startClient(t, Config{Addr: h.addr, Nick: "desk"})
	snap := waitFor(t, desk, "desk sees both", func(s *Snapshot) bool { return registered(s) && len(s.Users) == 2 })
	// CAPS web=<port> says where a browser joins, over either transport.
	_, webPort, _ := net.SplitHostPort(h.web)
	require.Equal(t, webPort, fmt.Sprint(snap.Caps.WebPort))
	require.Equal(t, snap.Caps.WebPort, phone.Snapshot().Caps.WebPort)

	require.NoError(t, phone.Send("hello from the browser"))
	waitFor(t, desk, "desk has it", func(s *Snapshot) bool {
		return strings.Join(publicTexts(s), "|") == "phone: hello from the browser"
	})
	require.NoError(t, desk.SendPrivate("phone", "and back"))
	waitFor(t, phone, "phone has it", func(s *Snapshot) bool {
		return hasMessage(s, func(m Message) bool { return m.Kind == Private && m.From == "desk" && m.Text == "and back" })
	})

	id, err := phone.Download("holiday photo é.jpg")
	require.NoError(t, err)
	evs := transferEvents(t, phone, id)
	last := evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	require.Equal(t, want, fileSHA(t, last.Path))
	require.NoFileExists(t, last.Path+".part")

	data := strings.Repeat("natter upload over http\n", 10_000)
	sum := sha256.Sum256([]byte(data))
	up, err := phone.UploadReader("notes.txt", strings.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	evs = transferEvents(t, phone, up)
	last = evs[len(evs)-1]
	require.Equal(t, TransferDone, last.State, last.Reason)
	got, err := os.ReadFile(filepath.Join(shared, "notes.txt"))
	require.NoError(t, err)
	require.Equal(t, data, string(got))
	snap = waitFor(t, desk, "shared announcement", func(s *Snapshot) bool { return len(s.Shared) == 1 })
	require.Equal(t, hex.EncodeToString(sum[:]), snap.Shared[0].SHA256)
	require.Equal(t, "phone", snap.Shared[0].From)
}

func TestWebSocketDialRefusedSaysWhy(t *testing.T) {
	h := startWebHub(t, t.TempDir())
	// The TCP session port does not speak HTTP; the web port refuses a
	// path that is not /natter.
	_, err := DialWebSocket(context.Background(), h.addr)
	require.Error(t, err)
	require.Contains(t, err.Error(), h.addr)
}
