package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func msgs(from, n int) []Message {
	var m []Message
	for i := from; i < from+n; i++ {
		m = append(m, Message{Time: int64(1000 + i), From: fmt.Sprintf("u%d", i%7), Body: fmt.Sprintf("message %d", i)})
	}
	return m
}

func TestReopenKeepsMessagesInOrder(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	want := msgs(0, 50)
	if err := s.Append(t.Context(), want[:20]); err != nil {
		t.Fatal(err)
	}
	if err := s.Append(t.Context(), want[20:]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir)
	got, err := s.Latest(t.Context(), 100)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after reopening got %d messages %v…, want %d", len(got), got[:min(3, len(got))], len(want))
	}
	last, err := s.LastTime(t.Context())
	if err != nil || last != want[len(want)-1].Time {
		t.Fatalf("LastTime = %d, %v; want %d", last, err, want[len(want)-1].Time)
	}
}

func TestAppendIsAllOrNothing(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Append(t.Context(), msgs(0, 3)); err != nil {
		t.Fatal(err)
	}
	// The second message repeats a stored time: the batch fails whole.
	bad := []Message{{Time: 5000, From: "a", Body: "new"}, {Time: 1001, From: "a", Body: "dup"}}
	if err := s.Append(t.Context(), bad); err == nil {
		t.Fatal("Append of a repeated time succeeded")
	}
	if n, _ := s.Count(t.Context()); n != 3 {
		t.Fatalf("after a failed batch %d messages are stored, want 3", n)
	}
}

func TestPagingBackReturnsEachMessageOnce(t *testing.T) {
	s := open(t, t.TempDir())
	const total = 5000
	all := msgs(0, total)
	for i := 0; i < total; i += 500 {
		if err := s.Append(t.Context(), all[i:i+500]); err != nil {
			t.Fatal(err)
		}
	}
	seen := make(map[int64]int)
	var back []Message
	before := int64(1 << 62)
	for pages := 0; pages < total; pages++ {
		page, err := s.Before(t.Context(), before, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range page {
			seen[m.Time]++
		}
		back = append(slices.Clone(page), back...)
		if len(page) < 100 {
			break
		}
		before = page[0].Time
	}
	if !slices.Equal(back, all) {
		t.Fatalf("paging back gave %d messages, want the %d stored in order", len(back), total)
	}
	for tm, n := range seen {
		if n != 1 {
			t.Fatalf("message %d came %d times", tm, n)
		}
	}
}

func TestSearchUnicodeWholeWords(t *testing.T) {
	s := open(t, t.TempDir())
	bodies := []string{
		"Le café est prêt",          // 1000
		"CAFE au lait",              // 1001
		"cafeteria is closed",       // 1002
		"今日は東京で会議",                  // 1003
		"🎉party🎉 tonight",           // 1004
		`line one\nsecond line`,     // 1005
		"Straße und Fußball",        // 1006
		"東京タワー",                     // 1007
		"Ünïcödé naïve résumé done", // 1008
	}
	var m []Message
	for i, b := range bodies {
		m = append(m, Message{Time: int64(1000 + i), From: "x", Body: b})
	}
	if err := s.Append(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	if found, _ := s.Search(t.Context(), []string{"party"}, 10); len(found) != 0 {
		t.Fatal("a message was found before it was indexed")
	}
	if n, err := s.Index(t.Context(), 1000); err != nil || n != len(m) {
		t.Fatalf("Index = %d, %v; want %d", n, err, len(m))
	}
	for _, c := range []struct {
		words []string
		want  []int64
	}{
		{[]string{"café"}, []int64{1001, 1000}}, // accents and case aside, newest first
		{[]string{"Cafe", "lait"}, []int64{1001}},
		{[]string{"cafe", "closed"}, nil}, // a whole word only: not cafeteria
		{[]string{"東京"}, []int64{1007, 1003}},
		{[]string{"会議"}, []int64{1003}},
		{[]string{"京東"}, nil}, // the characters in this order
		{[]string{"party"}, []int64{1004}},
		{[]string{"PARTY", "tonight"}, []int64{1004}},
		{[]string{"second"}, []int64{1005}},
		{[]string{"nsecond"}, nil}, // \n is a line break, not letters
		{[]string{"straße"}, []int64{1006}},
		{[]string{"resume", "NAIVE"}, []int64{1008}},
		{[]string{"🎉"}, nil},
		{[]string{`"`, "lait"}, []int64{1001}},
		{[]string{"x OR y"}, nil},
	} {
		got, err := s.Search(t.Context(), c.words, 100)
		if err != nil {
			t.Fatalf("Search(%q): %v", c.words, err)
		}
		var times []int64
		for _, m := range got {
			times = append(times, m.Time)
		}
		if !slices.Equal(times, c.want) {
			t.Errorf("Search(%q) = %v, want %v", c.words, times, c.want)
		}
	}
}

func TestMigrateFromVersion1(t *testing.T) {
	dir := t.TempDir()
	old, err := openAt(dir, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Version 1 had no search index; messages written then must be found.
	if _, err := old.db.Exec(`INSERT INTO messages(time, nick, body) VALUES (7, 'ann', 'hello wörld'), (8, 'bob', 'other')`); err != nil {
		t.Fatal(err)
	}
	var v int
	old.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	old.Close()
	if v != 1 {
		t.Fatalf("the version-1 database has version %d", v)
	}
	s := open(t, dir)
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != currentVersion {
		t.Fatalf("after migration the version is %d, want %d", v, currentVersion)
	}
	if n, err := s.Index(t.Context(), 1000); err != nil || n != 2 {
		t.Fatalf("Index after migration = %d, %v; want the 2 messages of version 1", n, err)
	}
	got, err := s.Search(t.Context(), []string{"WORLD"}, 10)
	if err != nil || len(got) != 1 || got[0].Time != 7 {
		t.Fatalf("search after migration = %v, %v; want message 7", got, err)
	}
	if n, _ := s.Count(t.Context()); n != 2 {
		t.Fatalf("%d messages after migration, want 2", n)
	}
}

func TestMigrateFromEmptyFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "not", "yet")
	s := open(t, dir)
	var v int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != currentVersion {
		t.Fatalf("a new database has version %d, want %d", v, currentVersion)
	}
	var mode string
	s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal mode %q, want wal", mode)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	s.db.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, currentVersion+1))
	s.Close()
	if _, err := Open(dir); err == nil {
		t.Fatal("a database from a newer hub was opened")
	}
}

func TestCorruptFileReportedNotReplaced(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	junk := []byte("this is not a database, but somebody's notes\n")
	junk = append(junk, make([]byte, 8192)...)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(dir)
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Path != path {
		t.Fatalf("Open of a junk file: %v; want a CorruptError naming %s", err, path)
	}
	got, _ := os.ReadFile(path)
	if !slices.Equal(got, junk) {
		t.Fatal("the junk file was changed")
	}
}

func TestPruneKeepsNewest(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Append(t.Context(), msgs(0, 100)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Index(t.Context(), 1000); err != nil {
		t.Fatal(err)
	}
	// In pieces of at most 25, the oldest first.
	for i, want := range []int64{25, 25, 20, 0} {
		n, err := s.Prune(t.Context(), 30, 0, 25)
		if err != nil || n != want {
			t.Fatalf("Prune(keep 30, max 25) #%d = %d, %v; want %d forgotten", i+1, n, err, want)
		}
		if i == 0 {
			got, _ := s.Latest(t.Context(), 1000)
			if len(got) != 75 || got[0].Time != 1025 {
				t.Fatalf("after the first piece: %d messages from %v; want 75 from 1025", len(got), got[0])
			}
		}
	}
	got, _ := s.Latest(t.Context(), 1000)
	if len(got) != 30 || got[0].Time != 1070 {
		t.Fatalf("after pruning %d messages from %v", len(got), got[0])
	}
	if found, _ := s.Search(t.Context(), []string{"10"}, 10); len(found) != 0 {
		t.Fatalf("a pruned message is still found: %v", found)
	}
	n, err := s.Prune(t.Context(), 1000, 1090, 1000)
	if err != nil || n != 20 {
		t.Fatalf("Prune(before 1090) = %d, %v; want 20", n, err)
	}
}

func TestBackupIsAUsableCopy(t *testing.T) {
	s := open(t, t.TempDir())
	if err := s.Append(t.Context(), msgs(0, 10)); err != nil {
		t.Fatal(err)
	}
	bdir := t.TempDir()
	if err := s.Backup(t.Context(), filepath.Join(bdir, FileName)); err != nil {
		t.Fatal(err)
	}
	if err := s.Backup(t.Context(), filepath.Join(bdir, FileName)); err == nil {
		t.Fatal("a backup over an existing file succeeded")
	}
	b := open(t, bdir)
	got, _ := b.Latest(context.Background(), 100)
	if !slices.Equal(got, msgs(0, 10)) {
		t.Fatalf("the backup holds %v", got)
	}
}

func TestIndexCatchesUpAfterReopening(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	if err := s.Append(t.Context(), msgs(0, 30)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Index(t.Context(), 1000); err != nil || n != 30 {
		t.Fatalf("Index = %d, %v", n, err)
	}
	// Stored, not indexed: as after a crash between the two.
	if err := s.Append(t.Context(), msgs(30, 20)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir)
	if n, err := s.Index(t.Context(), 1000); err != nil || n != 20 {
		t.Fatalf("Index after reopening = %d, %v; want the 20 not yet indexed", n, err)
	}
	if n, _ := s.Index(t.Context(), 1000); n != 0 {
		t.Fatalf("a second Index added %d", n)
	}
	found, err := s.Search(t.Context(), []string{"message"}, 100)
	if err != nil || len(found) != 50 {
		t.Fatalf("Search found %d, %v; want all 50", len(found), err)
	}
}
