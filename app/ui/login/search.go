package login

import (
	"context"
	"strings"
	"sync"

	"github.com/natter-chat/natter/app/ui/words"
	"github.com/natter-chat/natter/core/discovery"
)

// Search looks for hubs on the local network with a discovery.Browser, for
// the list of found hubs on the login screen. Its methods are safe to call
// from any goroutine.
type Search struct {
	b      *discovery.Browser
	cancel context.CancelFunc
	done   chan struct{}

	mu  sync.Mutex
	err error // why the browser does not run at all
}

// StartSearch starts browsing with opts. changed is called, from another
// goroutine, whenever the list of hubs changes (a window asks for a frame
// there). A browser that cannot start is not an error here: Note says why.
func StartSearch(opts discovery.BrowserOptions, changed func()) *Search {
	s := &Search{done: make(chan struct{})}
	b, err := discovery.NewBrowser(opts)
	if err != nil {
		s.err = err
		close(s.done)
		return s
	}
	s.b = b
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		var events sync.WaitGroup
		events.Go(func() {
			for range b.Events() { // closed when Run returns
				if changed != nil {
					changed()
				}
			}
		})
		err := b.Run(ctx)
		events.Wait()
		if err != nil && ctx.Err() == nil {
			s.mu.Lock()
			s.err = err
			s.mu.Unlock()
			if changed != nil {
				changed()
			}
		}
	}()
	return s
}

// Found lists the hubs found, sorted by name and address.
func (s *Search) Found() []FoundHub {
	if s.b == nil {
		return nil
	}
	return FoundHubs(s.b.Hubs())
}

// FoundHubs converts a browser's list for the login screen.
func FoundHubs(hubs []discovery.Hub) []FoundHub {
	out := make([]FoundHub, 0, len(hubs))
	for _, h := range hubs {
		out = append(out, FoundHub{Name: h.Name, Addr: h.Address(), TLSAddr: tlsAddr(h), Users: h.Users})
	}
	return out
}

// Note says in one line why the search does not work, or works only in
// part; it is empty while both paths work (or have not been tried yet).
func (s *Search) Note() string {
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return "LAN search unavailable: " + words.Plain(err)
	}
	return SearchNote(s.b.Status())
}

// SearchNote sums up a browser's status in one line for the login screen:
// "" when every enabled path works, "LAN search unavailable: …" when none
// does, and which path is left and why the other fails otherwise.
func SearchNote(st discovery.BrowserStatus) string {
	failing := func(p discovery.PathStatus) bool { return p.Enabled && !p.Working && len(p.Problems) > 0 }
	why := func(p discovery.PathStatus) string { return p.Path + ": " + strings.Join(p.Problems, "; ") }
	mc, bc := st.Multicast, st.Broadcast
	switch {
	case failing(mc) && failing(bc):
		return "LAN search unavailable: " + why(mc) + "; " + why(bc)
	case failing(mc) && bc.Working:
		return "Searching by broadcast only (" + why(mc) + ")"
	case failing(bc) && mc.Working:
		return "Searching by multicast DNS only (" + why(bc) + ")"
	case failing(mc) && !bc.Enabled:
		return "LAN search unavailable: " + why(mc)
	case failing(bc) && !mc.Enabled:
		return "LAN search unavailable: " + why(bc)
	}
	return ""
}

// Close stops the search and waits for it; later calls do nothing.
func (s *Search) Close() {
	if s.cancel != nil {
		s.cancel()
	}
	<-s.done
}
