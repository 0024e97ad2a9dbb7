// Command screenshots renders every Natter screen to PNG files, in the
// light and dark themes, wide (1024×700) and narrow (400×800), with
// content from a real in-process hub and real clients. It draws through the
// same ui.UI.Layout as the window, offscreen with gioui.org/gpu/headless.
//
//	EGL_PLATFORM=surfaceless go run ./app/cmd/screenshots -out docs/screenshots
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"image"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"net/netip"

	"gioui.org/text"

	"github.com/natter-chat/natter/app/hosting"
	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/discovery"
)

var (
	wide   = image.Pt(1024, 700)
	narrow = image.Pt(400, 800)
)

func main() {
	out := flag.String("out", "docs/screenshots", "folder for the PNG files")
	flag.Parse()
	if runtime.GOOS == "linux" && os.Getenv("EGL_PLATFORM") == "" {
		// Render without a display server.
		os.Setenv("EGL_PLATFORM", "surfaceless")
	}
	r, err := newRenderer(*out)
	if err != nil {
		log.Fatal(err)
	}
	defer r.release()
	if err := run(r); err != nil {
		log.Fatal(err)
	}
	for _, p := range r.written {
		fmt.Println(p)
	}
}

type scene struct {
	r      *renderer
	shaper *text.Shaper
	tmp    string
	hub    *hosting.Hub
	bots   map[string]*client.Client
}

func run(r *renderer) error {
	tmp, err := os.MkdirTemp("", "natter-screenshots-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	s := &scene{r: r, shaper: fonts.NewEmbeddedShaper(), tmp: tmp, bots: map[string]*client.Client{}}
	defer s.closeBots()

	if err := s.loginScreens(); err != nil {
		return err
	}
	if err := s.startHub(); err != nil {
		return err
	}
	defer s.hub.Close()
	if err := s.history(); err != nil {
		return err
	}
	if err := s.loginFound(); err != nil {
		return err
	}
	if err := s.loginError(); err != nil {
		return err
	}
	return s.chatScreens()
}

// both shoots name in the light and the dark theme.
func (s *scene) both(u *ui.UI, name string, size image.Point) error {
	for _, dark := range []bool{false, true} {
		// As a system in that mode would: the app follows it.
		u.SetSystemDark(dark)
		variant := "light"
		if dark {
			variant = "dark"
		}
		if err := s.r.shoot(name+"-"+variant, size, u.Layout); err != nil {
			return err
		}
	}
	return nil
}

func (s *scene) newUI(nick, addr string) *ui.UI {
	return ui.New(ui.Config{
		Nick: nick, Addr: addr, Shaper: s.shaper,
		DownloadDir: filepath.Join(s.tmp, "downloads-"+nick),
		Host:        func(context.Context) (ui.Hosted, error) { return nil, errors.New("not in screenshots") },
		HostNote:    "Starts a hub on port 50000 (or a free port) and joins it.",
		PickFile:    nil,
		OpenFolder:  func(string) error { return nil },
		ClientConfig: func(c *client.Config) {
			c.ReconnectMin = 2 * time.Second
			c.ReconnectMax = 3 * time.Second
		},
	})
}

func (s *scene) loginScreens() error {
	u := s.newUI("alice", "192.168.1.20:50000")
	defer u.Close()
	if err := s.both(u, "login-wide", wide); err != nil {
		return err
	}
	if err := s.both(u, "login-narrow", narrow); err != nil {
		return err
	}
	u.Login.Host.Value = true
	return s.both(u, "login-host-narrow", narrow)
}

func (s *scene) startHub() error {
	dir := filepath.Join(s.tmp, "shared")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	now := time.Now()
	files := []struct {
		name string
		size int
		age  time.Duration
	}{
		{"meeting-notes.md", 3_412, 2 * time.Hour},
		{"team-photo.jpg", 1_843_200, 26 * time.Hour},
		{"budget-2026.xlsx", 45_310, 5 * 24 * time.Hour},
		{"natter-0.1.apk", 6_291_456, 20 * time.Minute},
		{"発表の録画.mp4", 150 << 20, 3 * time.Hour},
		{"סיכום-פגישה.docx", 12_870, 50 * time.Minute},
		{"会议记录.pdf", 88_120, 40 * time.Minute},
		{"تقرير-الربع.pdf", 230_400, 4 * time.Hour},
	}
	for _, f := range files {
		b := make([]byte, f.size)
		if f.size < 10<<20 {
			rand.Read(b)
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return err
		}
		mt := now.Add(-f.age)
		if err := os.Chtimes(p, mt, mt); err != nil {
			return err
		}
	}
	h, err := hosting.Start(context.Background(), hosting.Config{Addr: "127.0.0.1:0", Dir: dir, Name: "Studio 4 hub"})
	if err != nil {
		return err
	}
	s.hub = h
	return nil
}

// bot joins the hub as nick through the real client core.
func (s *scene) bot(nick string) (*client.Client, error) {
	c, err := client.New(client.Config{Addr: s.hub.Addr(), Nick: nick, DownloadDir: filepath.Join(s.tmp, "bot-"+nick)})
	if err != nil {
		return nil, err
	}
	if err := c.Start(context.Background()); err != nil {
		return nil, err
	}
	s.bots[nick] = c
	return c, waitFor(nick+" registered", func() bool { return c.Snapshot().Conn.State == client.Registered })
}

func (s *scene) closeBots() {
	for _, c := range s.bots {
		c.Close()
	}
}

// say sends text from a bot and waits until the hub echoed it back.
func say(c *client.Client, to, text string) error {
	var err error
	if to == "" {
		err = c.Send(text)
	} else {
		err = c.SendPrivate(to, text)
	}
	if err != nil {
		return err
	}
	return waitFor("echo of "+text, func() bool {
		msgs := c.Snapshot().Messages
		for i := len(msgs) - 1; i >= 0 && i >= len(msgs)-20; i-- {
			if msgs[i].Own && msgs[i].Text == text {
				return true
			}
		}
		return false
	})
}

func waitFor(what string, cond func() bool) error {
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// history is what was said before alice joins.
func (s *scene) history() error {
	for _, n := range []string{"bob", "carol", "dave", "יעל", "نور", "美咲", "李明"} {
		if _, err := s.bot(n); err != nil {
			return err
		}
	}
	lines := []struct{ from, text string }{
		{"bob", "Morning all! Is the projector in room 2 working today?"},
		{"carol", "It was fine yesterday. The HDMI adapter is in the top drawer."},
		{"dave", "I put the meeting notes on the hub: meeting-notes.md"},
		{"bob", "Thanks!\nI'll read them before the call."},
	}
	for _, l := range lines {
		if err := say(s.bots[l.from], "", l.text); err != nil {
			return err
		}
	}
	return nil
}

// loginFound shows the list of hubs found on the network: the running hub
// and a second one, both found by a real LAN search probing their UDP
// ports on 127.0.0.1.
func (s *scene) loginFound() error {
	dir := filepath.Join(s.tmp, "kitchen")
	second, err := hosting.Start(context.Background(), hosting.Config{Addr: "127.0.0.1:0", Dir: dir, Name: "Kitchen hub"})
	if err != nil {
		return err
	}
	defer second.Close()
	cook, err := client.New(client.Config{Addr: second.Addr(), Nick: "erin", DownloadDir: filepath.Join(s.tmp, "bot-erin")})
	if err != nil {
		return err
	}
	if err := cook.Start(context.Background()); err != nil {
		return err
	}
	defer cook.Close()
	loopback := netip.MustParseAddr("127.0.0.1")
	search := login.StartSearch(discovery.BrowserOptions{
		DisableMDNS: true, NoInterfaceBroadcast: true, NoLimitedBroadcast: true,
		ProbeTargets: []netip.AddrPort{
			netip.AddrPortFrom(loopback, uint16(s.hub.UDPPort())),
			netip.AddrPortFrom(loopback, uint16(second.UDPPort())),
		},
	}, nil)
	defer search.Close()
	if err := waitFor("both hubs found", func() bool {
		found := search.Found()
		return len(found) == 2 && found[0].Name == "Kitchen hub" && found[0].Users == 1 && found[1].Users > 0
	}); err != nil {
		return err
	}
	u := ui.New(ui.Config{Nick: "alice", Shaper: s.shaper, Found: search.Found})
	defer u.Close()
	u.Login.SearchNote = search.Note()
	if err := s.both(u, "login-found-wide", wide); err != nil {
		return err
	}
	return s.both(u, "login-found-narrow", narrow)
}

func (s *scene) loginError() error {
	u := s.newUI("bob", s.hub.Addr())
	defer u.Close()
	u.Join(login.Request{Nick: "bob", Addr: s.hub.Addr()})
	if err := s.settle(u, wide, "the nick is refused", func() bool { return u.Login.Nick.IsErrored() }); err != nil {
		return err
	}
	return s.both(u, "login-error-wide", wide)
}

// settle lays out frames until cond holds.
func (s *scene) settle(u *ui.UI, size image.Point, what string, cond func() bool) error {
	return waitFor(what, func() bool {
		s.r.frame(size, u.Layout)
		return cond()
	})
}

func (s *scene) chatScreens() error {
	u := s.newUI("alice", s.hub.Addr())
	defer u.Close()
	u.Join(login.Request{Nick: "alice", Addr: s.hub.Addr()})
	if err := s.settle(u, wide, "alice joins", func() bool { return u.Route() == ui.RouteChat }); err != nil {
		return err
	}
	sess := u.Session()
	alice := func(text string) error {
		if err := sess.Send(text); err != nil {
			return err
		}
		return s.settle(u, wide, "alice's message", func() bool { return hasOwn(sess.Snapshot(), text) })
	}
	if err := alice("Hi everyone! I'll be five minutes late 👋"); err != nil {
		return err
	}
	if err := say(s.bots["carol"], "alice", "Can you bring the slides on a stick?"); err != nil {
		return err
	}
	if err := sess.SendPrivate("carol", "Sure. I'll share them here too."); err != nil {
		return err
	}
	erin, err := s.bot("erin")
	if err != nil {
		return err
	}
	if err := say(erin, "", "Is the call at 10 or 10:30?"); err != nil {
		return err
	}
	if err := say(s.bots["dave"], "", "@alice 10:30, same link as last week: https://meet.example/standup"); err != nil {
		return err
	}
	// Every script, right to left included, and emoji.
	for _, l := range []struct{ from, text string }{
		{"יעל", "מעולה, נתראה בעשר וחצי 👍"},
		{"نور", "شكراً، سأنضم من المكتب ☕"},
		{"美咲", "了解です！資料を印刷しておきます 🖨️"},
		{"李明", "好的，我把会议记录放在共享文件里了 📄"},
	} {
		if err := say(s.bots[l.from], "", l.text); err != nil {
			return err
		}
	}
	erin.Quit("")
	if err := erin.Wait(); err != nil {
		return err
	}
	delete(s.bots, "erin")
	if err := s.settle(u, wide, "the hub answers FILES", func() bool {
		return !sess.Snapshot().FilesTime.IsZero() && len(sess.Snapshot().Users) == 8
	}); err != nil {
		return err
	}
	if err := s.transfers(u, sess); err != nil {
		return err
	}
	u.Chat.Composer.To = chat.Recipient{Nick: "carol"}
	u.Chat.Composer.Editor.SetText("See you in ten")

	if err := s.both(u, "chat-wide", wide); err != nil {
		return err
	}
	for _, t := range []struct {
		tab  ui.Tab
		name string
	}{{ui.TabChat, "chat"}, {ui.TabPeople, "people"}, {ui.TabFiles, "files"}, {ui.TabTransfers, "transfers"}} {
		u.Tab = t.tab
		if err := s.both(u, t.name+"-narrow", narrow); err != nil {
			return err
		}
	}
	u.Tab = ui.TabChat

	// The recipient menu, open.
	u.Chat.Composer.Editor.SetText("")
	s.r.frame(narrow, u.Layout)
	u.Chat.Composer.RecipientButton().Click()
	if err := s.settle(u, narrow, "the menu opens", u.Chat.Composer.MenuOpen); err != nil {
		return err
	}
	if err := s.both(u, "recipient-menu-narrow", narrow); err != nil {
		return err
	}
	u.Chat.Composer.RecipientButton().Click()
	if err := s.settle(u, narrow, "the menu closes", func() bool { return !u.Chat.Composer.MenuOpen() }); err != nil {
		return err
	}

	// Scrolled up while messages arrive: the "new messages" pill.
	for _, l := range []struct{ from, text string }{
		{"carol", "Room 2 is booked until 10:15, we can go in right after."},
		{"dave", "I'll set up the call on the big screen."},
		{"bob", "Great, thanks both."},
	} {
		if err := say(s.bots[l.from], "", l.text); err != nil {
			return err
		}
	}
	if err := s.settle(u, narrow, "the messages show", func() bool {
		return hasText(sess.Snapshot(), "Great, thanks both.")
	}); err != nil {
		return err
	}
	u.Chat.Log.List.Position.BeforeEnd = true
	u.Chat.Log.List.Position.First = 0
	u.Chat.Log.List.Position.Offset = 0
	s.r.frame(narrow, u.Layout)
	for _, text := range []string{"Projector works, I just tried it.", "Coffee is on the second floor."} {
		if err := say(s.bots["bob"], "", text); err != nil {
			return err
		}
	}
	if err := s.settle(u, narrow, "the pill shows", func() bool {
		return u.Chat.Log.Unread(len(sess.Snapshot().Messages)) >= 2
	}); err != nil {
		return err
	}
	if err := s.both(u, "new-messages-narrow", narrow); err != nil {
		return err
	}
	u.Chat.Log.ScrollToBottom()

	// The hub goes away: the banner counts down to the next attempt.
	if err := s.hub.Close(); err != nil && !strings.Contains(err.Error(), "closed") {
		return err
	}
	if err := s.settle(u, wide, "the client is reconnecting", func() bool {
		c := sess.Snapshot().Conn
		return c.State == client.Reconnecting && c.SecondsLeft(time.Now()) >= 1
	}); err != nil {
		return err
	}
	if err := s.both(u, "reconnecting-wide", wide); err != nil {
		return err
	}
	return s.both(u, "reconnecting-narrow", narrow)
}

// transfers starts a download that completes, one that runs for a while
// and one that fails, and waits until each shows.
func (s *scene) transfers(u *ui.UI, sess ui.Session) error {
	if _, err := sess.Download("会议记录.pdf"); err != nil {
		return err
	}
	nth := func(i int) (client.Transfer, bool) {
		ts := sess.Snapshot().Transfers
		if i >= len(ts) {
			return client.Transfer{}, false
		}
		return ts[i], true
	}
	if err := s.settle(u, wide, "the small download", func() bool {
		t, ok := nth(0)
		return ok && t.State.Finished()
	}); err != nil {
		return err
	}
	// The file goes from the hub after the list was shown.
	if err := os.Remove(filepath.Join(s.tmp, "shared", "budget-2026.xlsx")); err != nil {
		return err
	}
	if _, err := sess.Download("budget-2026.xlsx"); err != nil {
		return err
	}
	if err := s.settle(u, wide, "the download that fails", func() bool {
		t, ok := nth(1)
		return ok && t.State.Finished()
	}); err != nil {
		return err
	}
	if _, err := sess.Download("発表の録画.mp4"); err != nil {
		return err
	}
	return s.settle(u, wide, "the big download runs", func() bool {
		t, ok := nth(2)
		return ok && (t.State == client.TransferRunning && t.Bytes > 0 && t.Rate > 0 || t.State.Finished())
	})
}

func hasText(snap *client.Snapshot, text string) bool {
	for _, m := range snap.Messages {
		if m.Text == text {
			return true
		}
	}
	return false
}

func hasOwn(snap *client.Snapshot, text string) bool {
	for _, m := range snap.Messages {
		if m.Own && m.Text == text {
			return true
		}
	}
	return false
}
