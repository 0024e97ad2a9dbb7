package proto

import "testing"

// The lines a hub parses and a client formats most: chat messages.

func BenchmarkParseCommand(b *testing.B) {
	for _, line := range []string{"MSG hello there, how are things?", "PRIV alice see you at 3", "PING 1700000000000"} {
		b.Run(line[:4], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseCommand(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseEvent(b *testing.B) {
	for _, line := range []string{"MSG 1700000000000 bob hello there, how are things?", "FILE 1234 " + sum + " 1700000000000 notes.txt"} {
		b.Run(line[:4], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseEvent(line); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCommandAppend(b *testing.B) {
	c := Command{Keyword: KwMsg, Text: "hello there,\nhow are things?"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEventAppend(b *testing.B) {
	ev := Event{Keyword: KwMsg, Time: 1700000000000, Nick: "bob", Text: "hello there,\nhow are things?"}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = ev.Append(buf[:0]); err != nil {
			b.Fatal(err)
		}
	}
}
