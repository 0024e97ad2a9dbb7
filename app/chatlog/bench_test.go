package chatlog_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/natter-chat/natter/app/chatlog"
	"github.com/natter-chat/natter/core/client"
)

// fullLog writes a log of Keep messages, as a long-used hub's is.
func fullLog(b *testing.B) *chatlog.Log {
	b.Helper()
	l, err := chatlog.Open(b.TempDir(), chatlog.Key("", "bench"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { l.Close() })
	for i := range chatlog.DefaultKeep {
		if err := l.Append(msg(i+1, client.Public, "somebody", "a message of about the length people write, give or take")); err != nil {
			b.Fatal(err)
		}
	}
	return l
}

// BenchmarkReadFile is the baseline: reading the file's bytes alone.
func BenchmarkReadFile(b *testing.B) {
	l := fullLog(b)
	for b.Loop() {
		if _, err := os.ReadFile(l.Path()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenLoad opens a full log and reads it back, as signing in
// does.
func BenchmarkOpenLoad(b *testing.B) {
	dir := fullLog(b).Path()
	dir = dir[:len(dir)-len(filepath.Base(dir))]
	for b.Loop() {
		l, err := chatlog.Open(dir, chatlog.Key("", "bench"))
		if err != nil {
			b.Fatal(err)
		}
		if msgs, _, err := l.Load(); err != nil || len(msgs) != chatlog.DefaultKeep {
			b.Fatal(len(msgs), err)
		}
		l.Close()
	}
}
