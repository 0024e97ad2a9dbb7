package ui_test

import (
	"context"
	"fmt"
	"image"
	"io"
	"testing"
	"time"

	"gioui.org/io/input"
	"gioui.org/layout"
	"gioui.org/op"
	"gioui.org/unit"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/app/ui/login"
	"github.com/natter-chat/natter/core/client"
)

// still is a Session whose state never changes: the benchmark measures
// drawing, not the network.
type still struct {
	snap   *client.Snapshot
	events chan client.Event
	done   chan struct{}
}

func (s *still) Snapshot() *client.Snapshot                                       { return s.snap }
func (s *still) Events() <-chan client.Event                                      { return s.events }
func (s *still) Done() <-chan struct{}                                            { return s.done }
func (s *still) Send(string) error                                                { return nil }
func (s *still) SendPrivate(string, string) error                                 { return nil }
func (s *still) SetNick(string) error                                             { return nil }
func (s *still) RefreshUsers()                                                    {}
func (s *still) RefreshFiles()                                                    {}
func (s *still) MoreFiles()                                                       {}
func (s *still) LoadOlder()                                                       {}
func (s *still) Search(string)                                                    {}
func (s *still) Download(string) (client.TransferID, error)                       { return 0, nil }
func (s *still) Upload(string) (client.TransferID, error)                         { return 0, nil }
func (s *still) Cancel(client.TransferID) error                                   { return nil }
func (s *still) Quit(string)                                                      {}
func (s *still) Close() error                                                     { return nil }
func (s *still) UploadReader(string, io.Reader, int64) (client.TransferID, error) { return 0, nil }

// scripts are message texts in many scripts, for the benchmark of a log
// in which every line needs the fallback faces.
var scripts = []string{
	"Launch day 🚀🎉 coffee is on me ☕ and the slides are on the hub",
	"صباح الخير، الاجتماع في الساعة العاشرة في الغرفة الثانية",
	"בוקר טוב, אני אגיע בעוד עשר דקות, תתחילו בלעדיי",
	"資料は共有フォルダにあります。会議の前に読んでください 📁",
	"我们下午三点开会，请准时参加，会议记录在共享文件里。",
}

// stillSession has messages lines from bob and alice: texts in turn, or
// numbered English lines when texts is empty.
func stillSession(messages int, texts ...string) *still {
	base := time.Now().Add(-time.Hour)
	snap := &client.Snapshot{
		Conn: client.Connection{State: client.Registered}, Nick: "alice", HubName: "Bench hub",
		Users:     []client.User{{Nick: "alice", Self: true}, {Nick: "bob"}, {Nick: "carol"}},
		FilesTime: base,
		Files:     []client.File{{Name: "notes.md", Size: 3000, ModTime: base}},
	}
	for i := range messages {
		m := client.Message{Kind: client.Public, From: "bob", Time: base.Add(time.Duration(i) * time.Second),
			Text: fmt.Sprintf("message %d, long enough to wrap on a narrow window but not on a wide one", i)}
		if len(texts) > 0 {
			m.Text = texts[i%len(texts)]
		}
		if i%5 == 0 {
			m.From, m.Own = "alice", true
		}
		snap.Messages = append(snap.Messages, m)
	}
	return &still{snap: snap, events: make(chan client.Event), done: make(chan struct{})}
}

// BenchmarkUIFrame measures one whole frame of the wide chat screen with
// a short and a long history, and with a long one in many scripts; the log
// lays out only the rows in view.
func BenchmarkUIFrame(b *testing.B) {
	for _, c := range []struct {
		name  string
		n     int
		texts []string
	}{
		{"messages=100", 100, nil},
		{"messages=10000", 10_000, nil},
		{"messages=10000,scripts=many", 10_000, scripts},
	} {
		b.Run(c.name, func(b *testing.B) {
			sess := stillSession(c.n, c.texts...)
			u := ui.New(ui.Config{Shaper: testShaper, Connect: func(context.Context, client.Config) (ui.Session, error) {
				return sess, nil
			}})
			defer u.Close()
			u.Join(login.Request{Nick: "alice", Addr: "127.0.0.1:1"})
			var r input.Router
			var ops op.Ops
			frame := func() {
				ops.Reset()
				gtx := layout.Context{Ops: &ops, Now: time.Now(), Metric: unit.Metric{PxPerDp: 1, PxPerSp: 1},
					Constraints: layout.Exact(image.Pt(1024, 700)), Source: r.Source()}
				u.Layout(gtx)
				r.Frame(&ops)
			}
			frame()
			frame()
			if u.Route() != ui.RouteChat {
				b.Fatal("not on the chat screen")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				frame()
			}
			b.ReportMetric(float64(u.Chat.Log.RowsLaidOut), "rows/frame")
		})
	}
}
