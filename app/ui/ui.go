// Package ui is Natter's root user interface: it routes between the login
// and chat screens, owns the session with the hub, and arranges the chat,
// people, files and transfers panels side by side on wide windows and as
// tabs on narrow ones. It does not import gioui.org/app: the window, the
// tests and the screenshot tool all drive the same UI.Layout.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/text"
	"gioui.org/unit"

	"github.com/natter-chat/natter/app/prefs"
	"github.com/natter-chat/natter/app/theme"
	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/app/ui/files"
	"github.com/natter-chat/natter/app/ui/fonts"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/app/ui/people"
	"github.com/natter-chat/natter/app/ui/transfers"
	"github.com/natter-chat/natter/app/ui/trust"
	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
)

type (
	C = layout.Context
	D = layout.Dimensions
)

// Config tells the UI how to reach the world outside the window. Every
// function may be nil where the platform lacks it.
type Config struct {
	// DataDir is where preferences live; empty means they are not kept.
	DataDir string
	// ChatLogDir is where the app keeps its own log of each hub's
	// messages (package chatlog); empty means none is kept.
	ChatLogDir string
	// DownloadDir is where downloads go; the client core creates it when
	// the first download starts.
	DownloadDir string
	// PreviewDir is where small shared images are fetched to show their
	// previews; not the download folder, as they are not the user's
	// downloads. Empty means none are fetched.
	PreviewDir string
	// Nick and Addr prefill the login form (over the remembered ones).
	Nick, Addr string
	// Dark starts in the dark theme, or the light one, for this run (over
	// the remembered choice, and over the system's).
	Dark *bool

	// Connect starts a session; nil means the real client core (Connect).
	Connect Connector
	// Host starts a hub on this device, for "Host a hub on this device".
	Host Hoster
	// HostNote says where a hosted hub listens, shown under the choice.
	HostNote string
	// KeepHosting takes over a hosted hub the host leaves while others
	// use it, to run on after the window closes; nil where the platform
	// cannot run without a window. The UI quits its own session first.
	KeepHosting func(Hosted)
	// CloseWindow closes the window, once the host answered the question
	// AskBeforeClose raised with "Stop the hub"; nil where the UI is not
	// in a window.
	CloseWindow func()
	// Background is a hub this device still runs from an earlier window,
	// or nil: the login screen says so and offers to stop it.
	Background *BackgroundHub
	// Found lists hubs seen on the network; nil or empty shows a note.
	Found func() []login.FoundHub
	// PickFile opens the platform's file picker (it may block).
	PickFile func() (io.ReadCloser, error)
	// OpenFolder shows a folder in the platform's file manager.
	OpenFolder func(path string) error
	// OpenFile opens a file with the platform's program for it; nil
	// means Open shows the file's folder instead (OpenFolder).
	OpenFile func(path string) error
	// OpenURL opens an http or https address in the system's browser. Its
	// error is shown to the user: it should say in plain words what went
	// wrong.
	OpenURL func(url string) error
	// Notify shows a desktop notification.
	Notify func(title, body string) error
	// Invalidate asks the window for a new frame, from any goroutine.
	Invalidate func()
	// Shaper is the text shaper; nil means fonts.NewShaper: the fonts the
	// app ships, then the system's.
	Shaper *text.Shaper
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// ClientConfig, if set, adjusts the client configuration before each
	// connect (tests shorten time-outs with it).
	ClientConfig func(*client.Config)
	// Pins and Device are what the sessions trust and present (see
	// client.Config); with Pins set they are encrypted unless the user
	// asks for plaintext.
	Pins   *identity.PinStore
	Device *identity.Identity
}

// ErrNoFileChosen is what Config.PickFile returns when the user closed
// the picker without choosing.
var ErrNoFileChosen = errors.New("no file chosen")

// Route is the screen shown.
type Route int

const (
	RouteLogin Route = iota
	RouteChat
)

// Tab is the panel shown on narrow windows.
type Tab int

const (
	TabChat Tab = iota
	TabPeople
	TabFiles
	TabTransfers
)

// WideWidth is the window width from which panels sit side by side.
const WideWidth = unit.Dp(760)

// UI is the root of Natter's interface.
type UI struct {
	cfg    Config
	log    *slog.Logger
	shaper *text.Shaper
	light  *theme.Theme
	dark   *theme.Theme
	// Dark is whether the dark theme is in use: the one chosen, or the
	// system's when the choice is prefs.ThemeSystem.
	Dark bool
	// themeChoice is prefs.ThemeSystem, ThemeDark or ThemeLight;
	// systemDark is what the system prefers, as last heard.
	themeChoice string
	systemDark  bool
	// savedTheme is the choice kept in the preferences: a -theme given
	// for one run is not remembered, a press of the theme button is.
	savedTheme string

	route Route
	Tab   Tab

	Login     *login.Form
	Chat      *chat.Screen
	People    *people.List
	Files     *files.List
	Transfers *transfers.List
	bar       topBar
	leave     leaveQuestion
	bg        background
	have      *haveCache
	cached    *haveCache // the preview folder's copies, fetched in earlier runs
	previews  *previewCache
	fetches   *previewFetcher
	tabs      tabBar

	// session is the current session with the hub, nil on the login
	// screen when none is being set up. pending is true while it has not
	// registered yet.
	session Session
	pending bool
	addr    string
	hosted  Hosted
	// joinAt are the addresses others can join a hosted hub at.
	joinAt []string
	// kept is the app's log of the session's hub, or nil.
	kept   *keptLog
	join   joinLink // the top bar's link and QR code for browsers
	ctx    context.Context
	cancel context.CancelFunc

	focused bool
	// unread counts the private messages and mentions that arrived while
	// the window did not have the focus, for the window title.
	unread int
	// notifyNote, when not empty, tells the user once that notifications
	// cannot be shown here; notifyFailed keeps it from coming back.
	notifyNote   string
	notifyFailed bool
	focusChat    bool // put the cursor in the composer on the next frame
	sharedSeen   int
	filesAsked   bool
	// chatSeen is the Seq of the newest message when the chat was last in
	// view; newer ones count as unread on the Chat tab. (A Seq, not a
	// count: the client drops the oldest lines of a long log.)
	chatSeen uint64

	// warning is shown in place of the login form when a hub's key
	// changed; lastJoin and lastClient are the join to repeat once the
	// user trusts the new key.
	warning    *trust.Warning
	lastJoin   login.Request
	lastClient client.Config

	mu      sync.Mutex
	results []func() // work finished in the background, applied in Layout
	closing sync.WaitGroup
	closed  bool
}

// New returns the UI on its login screen.
func New(cfg Config) *UI {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Connect == nil {
		cfg.Connect = Connect
	}
	shaper := cfg.Shaper
	if shaper == nil {
		shaper = fonts.NewShaper()
	}
	var p prefs.Prefs
	if cfg.DataDir != "" {
		var err error
		if p, err = prefs.Load(cfg.DataDir); err != nil {
			log.Warn("preferences not loaded", "err", err)
		}
	}
	nick, addr := p.Nick, p.Addr
	if cfg.Nick != "" {
		nick = cfg.Nick
	}
	if cfg.Addr != "" {
		addr = cfg.Addr
	}
	choice := p.ThemeChoice()
	if cfg.Dark != nil {
		choice = prefs.ThemeLight
		if *cfg.Dark {
			choice = prefs.ThemeDark
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{
		cfg: cfg, log: log, shaper: shaper,
		light: theme.New(shaper, false), dark: theme.New(shaper, true),
		themeChoice: choice, savedTheme: p.ThemeChoice(),
		Login:   login.New(nick, addr),
		focused: true,
		ctx:     ctx, cancel: cancel,
	}
	// Whoever hosted last time is offered to host again, unless told
	// where to join.
	u.Login.Host.Value = p.Host && cfg.Addr == ""
	u.have = newHaveCache(cfg.DownloadDir, u.invalidate)
	u.cached = newHaveCache(cfg.PreviewDir, u.invalidate)
	u.previews = newPreviewCache(u.invalidate)
	u.fetches = newPreviewFetcher()
	u.applyTheme()
	u.resetScreens()
	return u
}

func (u *UI) resetScreens() {
	u.Chat = chat.New()
	u.People = people.New()
	u.Files = files.New()
	u.Transfers = transfers.New()
	u.leave = leaveQuestion{}
	u.Tab = TabChat
	u.sharedSeen = 0
	u.filesAsked = false
	u.chatSeen = 0
}

// applyTheme sets Dark from the choice and the system's preference.
func (u *UI) applyTheme() {
	switch u.themeChoice {
	case prefs.ThemeDark:
		u.Dark = true
	case prefs.ThemeLight:
		u.Dark = false
	default:
		u.Dark = u.systemDark
	}
}

// SetSystemDark tells the UI whether the system prefers a dark theme; it
// is followed unless the user chose a theme. Safe from any goroutine.
func (u *UI) SetSystemDark(dark bool) {
	u.post(func() {
		u.systemDark = dark
		u.applyTheme()
	})
}

// ThemeChoice is the theme chosen: prefs.ThemeSystem, ThemeDark or
// ThemeLight.
func (u *UI) ThemeChoice() string { return u.themeChoice }

// nextTheme is what the theme button switches to. From following the
// system it picks the other look; from a pick, the system's look, then
// back to following the system: each press changes what shows or what
// is followed, and every choice is a press or two away.
func (u *UI) nextTheme() string {
	system := prefs.ThemeLight
	if u.systemDark {
		system = prefs.ThemeDark
	}
	switch u.themeChoice {
	case prefs.ThemeSystem:
		if u.systemDark {
			return prefs.ThemeLight
		}
		return prefs.ThemeDark
	case system:
		return prefs.ThemeSystem
	}
	return system
}

// Theme is the theme in use.
func (u *UI) Theme() *theme.Theme {
	if u.Dark {
		return u.dark
	}
	return u.light
}

// Route is the screen shown.
func (u *UI) Route() Route { return u.route }

// Title is the window title: the hub's name once joined, after the count
// of private messages and mentions not seen yet: "(3) Test hub · Natter".
func (u *UI) Title() string {
	if u.route != RouteChat || u.session == nil {
		return "Natter"
	}
	title := "Natter"
	if snap := u.session.Snapshot(); snap != nil && snap.HubName != "" {
		title = snap.HubName + " · Natter"
	}
	if u.unread > 0 {
		title = fmt.Sprintf("(%d) %s", u.unread, title)
	}
	return title
}

// Unread is how many private messages and mentions arrived while the
// window did not have the focus.
func (u *UI) Unread() int { return u.unread }

// Session is the current session, or nil.
func (u *UI) Session() Session { return u.session }

// SetFocused tells the UI whether the window has the keyboard focus;
// private messages and mentions raise notifications and count in the
// title only while it does not. Coming back to the window reads them.
func (u *UI) SetFocused(f bool) {
	u.focused = f
	if f {
		u.unread = 0
	}
}

// Join starts joining as the login form would on Join (used for -join).
// A nickname the rules refuse is shown on the form instead.
func (u *UI) Join(r login.Request) {
	if msg := login.CheckNick(r.Nick); msg != "" {
		u.Login.SetError(login.NickField, msg)
		return
	}
	u.startJoin(r)
}

// post queues f to run at the start of the next frame and asks for one.
func (u *UI) post(f func()) {
	u.mu.Lock()
	u.results = append(u.results, f)
	u.mu.Unlock()
	u.invalidate()
}

func (u *UI) invalidate() {
	if u.cfg.Invalidate != nil {
		u.cfg.Invalidate()
	}
}

func (u *UI) runPosted() {
	u.mu.Lock()
	rs := u.results
	u.results = nil
	u.mu.Unlock()
	for _, f := range rs {
		f()
	}
}

// Close quits the session (so others see "LEAVE … quit"), stops a hosted
// hub and waits for both.
func (u *UI) Close() error {
	if u.closed {
		return nil
	}
	u.closed = true
	u.endSession("")
	// The session says QUIT before its context ends.
	u.closing.Wait()
	u.have.wait()
	u.cached.wait()
	u.previews.wait()
	u.cancel()
	return nil
}

// endSession quits the session and stops the hosted hub in the background.
func (u *UI) endSession(reason string) {
	s, h := u.session, u.hosted
	u.session, u.hosted, u.pending = nil, nil, false
	if s != nil && u.kept != nil {
		// What arrived since the last frame.
		u.keepMessages(s.Snapshot().Messages)
	}
	u.closeKeptLog()
	if s == nil && h == nil {
		return
	}
	u.closing.Add(1)
	go func() {
		defer u.closing.Done()
		if s != nil {
			s.Quit(reason)
			if err := s.Close(); err != nil {
				u.log.Warn("session close", "err", err)
			}
		}
		if h != nil {
			if err := h.Close(); err != nil {
				u.log.Warn("hosted hub close", "err", err)
			}
		}
	}()
}

// Disconnect leaves the hub and goes back to the login screen.
func (u *UI) Disconnect() {
	u.endSession("")
	u.route = RouteLogin
	u.Login.Busy = false
	u.resetScreens()
}

func (u *UI) startJoin(r login.Request) {
	f := u.Login
	f.ClearErrors()
	addr := r.Addr
	var hosted Hosted
	if r.Host {
		if u.cfg.Host == nil {
			f.SetError(login.General, "Hosting a hub is not available here")
			return
		}
		h, err := u.cfg.Host(u.ctx)
		if err != nil {
			u.log.Warn("hub not started", "err", err)
			f.SetError(login.General, "Cannot start a hub on this device: "+words.Plain(err))
			return
		}
		hosted, addr = h, h.Addr()
		u.joinAt = nil
		if l, ok := h.(interface{ LANAddrs() []string }); ok {
			u.joinAt = l.LANAddrs()
		}
		if l, ok := h.(interface{ JoinLinks() []string }); ok && len(l.JoinLinks()) > 0 {
			// Links carry the hub's key: the others' first contact
			// needs no trust.
			u.joinAt = l.JoinLinks()
		}
	}
	cc := client.Config{Addr: addr, Nick: r.Nick, DownloadDir: u.cfg.DownloadDir, Logger: u.log}
	u.trustJoin(&cc, r)
	if u.cfg.ClientConfig != nil {
		u.cfg.ClientConfig(&cc)
	}
	s, err := u.cfg.Connect(u.ctx, cc)
	if err != nil {
		if hosted != nil {
			_ = hosted.Close()
		}
		u.log.Warn("session not started", "addr", addr, "err", err)
		f.SetError(login.General, "Cannot start: "+words.Plain(err))
		return
	}
	u.session, u.hosted, u.pending, u.addr = s, hosted, true, addr
	f.Busy = true
	f.BusyText = "Joining " + addr + "…"
	u.savePrefs(func(p *prefs.Prefs) {
		p.Nick, p.Host = r.Nick, r.Host
		if a := addrToRemember(r, addr); a != "" {
			p.Addr = a
		}
	})
}

func addrToRemember(r login.Request, addr string) string {
	if r.Host {
		return ""
	}
	return addr
}

// savePrefs changes the remembered choices with change, and the theme to
// the one in use, and saves them.
func (u *UI) savePrefs(change func(*prefs.Prefs)) {
	if u.cfg.DataDir == "" {
		return
	}
	p, _ := prefs.Load(u.cfg.DataDir)
	change(&p)
	p.Theme = u.savedTheme
	// Earlier versions read only Dark: keep it saying the same.
	p.Dark = u.savedTheme == prefs.ThemeDark
	if err := prefs.Save(u.cfg.DataDir, p); err != nil {
		u.log.Warn("preferences not saved", "err", err)
	}
}

// checkPending moves a registered session to the chat screen, or back to
// the form with the reason it failed.
func (u *UI) checkPending() {
	snap := u.session.Snapshot()
	if snap == nil {
		return
	}
	switch snap.Conn.State {
	case client.Registered:
		u.pending = false
		u.route = RouteChat
		u.Login.Busy = false
		u.resetScreens()
		u.focusChat = true
		u.openKeptLog(snap)
	case client.Closed, client.Reconnecting:
		if u.checkKeyChanged(snap) {
			return
		}
		field, msg := loginFailure(u.addr, snap.Conn)
		u.endSession("")
		u.Login.Busy = false
		u.Login.SetError(field, msg)
	}
}

// drainEvents raises notifications for private messages and mentions that
// arrive while the window is not focused, and counts them for the title.
// It takes at most a bounded number of events per frame and returns how
// many it took. The channel is closed once the session has stopped: a
// closed channel yields nothing more.
func (u *UI) drainEvents() int {
	if u.session == nil {
		return 0
	}
	ch := u.session.Events()
	nick := ""
	for n := range 512 {
		select {
		case ev, ok := <-ch:
			if !ok {
				return n
			}
			m := ev.Message
			if m == nil || u.focused {
				continue
			}
			switch {
			case ev.Kind == client.EventPrivate:
				u.unread++
				u.notify("Private message from "+m.From, m.Text)
			case ev.Kind == client.EventMessage && m.Kind == client.Public && !m.Own && !m.History:
				if nick == "" {
					nick = u.session.Snapshot().Nick
				}
				if chat.Mentions(m.Text, nick) {
					u.unread++
					u.notify(m.From+" mentioned you", m.Text)
				}
			}
		default:
			return n
		}
	}
	return 512
}

// notify shows a desktop notification. The first time that cannot be done
// the chat says so, once; the reason goes to the log each time.
func (u *UI) notify(title, body string) {
	err := errNoNotifications
	if u.cfg.Notify != nil {
		err = u.cfg.Notify(title, body)
	}
	if err == nil {
		return
	}
	u.log.Info("notification not shown", "err", err)
	if !u.notifyFailed {
		u.notifyFailed = true
		u.notifyNote = "Notifications cannot be shown on this desktop. New private messages and mentions are counted in the window title instead."
	}
}

// errNoNotifications is why notifications fail where the platform has no
// way to show them.
var errNoNotifications = errors.New("no notification service on this device")

// NotifyNote is the note saying notifications cannot be shown, or "".
func (u *UI) NotifyNote() string { return u.notifyNote }

// Layout handles posted work and session changes, then lays out the
// current screen. It is the one layout function behind the window, the
// tests and the screenshots.
func (u *UI) Layout(gtx C) D {
	u.runPosted()
	if u.session != nil && u.pending {
		u.checkPending()
	}
	u.drainEvents()
	th := u.Theme()
	if u.session != nil && !u.pending {
		u.checkKeyChanged(u.session.Snapshot())
	}
	if u.warning != nil {
		return u.layoutWarning(gtx, th)
	}
	if u.route == RouteLogin || u.session == nil {
		u.route = RouteLogin
		st := login.Style{Th: th, Form: u.Login, HostNote: u.cfg.HostNote}
		if u.cfg.Found != nil {
			st.Found = u.cfg.Found()
		}
		var d D
		if u.cfg.Background == nil {
			d = st.Layout(gtx)
		} else {
			d = layout.Flex{Axis: layout.Vertical}.Layout(gtx,
				layout.Rigid(func(gtx C) D { return u.layoutBackground(gtx, th) }),
				layout.Flexed(1, st.Layout),
			)
		}
		if r, ok := u.Login.Submitted(); ok {
			u.startJoin(r)
			gtx.Execute(op.InvalidateCmd{})
		}
		if u.Login.Cancelled() && u.pending {
			// Stop joining: the session, and a hub started for it.
			u.endSession("")
			u.Login.Busy = false
			gtx.Execute(op.InvalidateCmd{})
		}
		return d
	}
	return u.layoutChat(gtx, th)
}

func (u *UI) layoutChat(gtx C, th *theme.Theme) D {
	raw := u.session.Snapshot()
	u.fetches.step(u.session, raw, u.cfg.PreviewDir)
	snap := u.fetches.hide(raw)
	if !u.filesAsked {
		u.filesAsked = true
		u.session.RefreshFiles()
	}
	if n := len(snap.Shared); n != u.sharedSeen {
		if n > u.sharedSeen {
			u.session.RefreshFiles()
		}
		u.sharedSeen = n
	}
	if u.focusChat {
		u.focusChat = false
		u.Chat.Focus(gtx)
	}
	// Follow a recipient who changes nick before the people list and the
	// composer are drawn.
	u.Chat.Follow(snap.Messages)
	u.keepMessages(snap.Messages)
	if nick, ok := u.People.Chosen(); ok {
		u.Chat.SetRecipient(gtx, nick)
		u.Tab = TabChat
	}
	if snap.Conn.State == client.Reconnecting {
		// Redraw each second for the countdown.
		next := gtx.Now.Truncate(time.Second).Add(time.Second)
		gtx.Execute(op.InvalidateCmd{At: next})
	}
	d := u.layoutShell(gtx, th, snap)
	// Start a preview fetch the files list asked for while it was drawn.
	u.fetches.step(u.session, raw, u.cfg.PreviewDir)
	u.perform(gtx)
	return d
}

// pickAndUpload opens the file picker in the background and uploads what
// the user chose.
func (u *UI) pickAndUpload() {
	if u.cfg.PickFile == nil {
		u.Files.NoPicker(errors.New("none on this device"))
		return
	}
	s := u.session
	go func() {
		rc, err := u.cfg.PickFile()
		if errors.Is(err, ErrNoFileChosen) {
			return
		}
		if err != nil {
			// No picker on this desktop (no xdg-desktop-portal, say):
			// offer to type a path instead.
			u.log.Warn("file picker not available", "err", err)
			u.post(func() { u.Files.NoPicker(err) })
			return
		}
		name, size, err := uploadInfo(rc)
		if err == nil {
			_, err = s.UploadReader(name, rc, size)
		}
		if err != nil {
			rc.Close()
			u.log.Warn("upload not started", "err", err)
			u.post(func() { u.Files.Performed(files.PickUpload{}, err) })
			return
		}
		u.post(func() {
			u.Files.Performed(files.PickUpload{}, nil)
			if u.Tab == TabFiles {
				u.Tab = TabTransfers
			}
		})
	}()
}
