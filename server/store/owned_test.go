package store

import (
	"errors"
	"strings"
	"testing"
)

func TestClaimSurvivesReopening(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	alice := Owned{Key: "alice", Skeleton: "alice", Nick: "Alice", Owner: "FPA", Claimed: 10}
	if err := s.Claim(ctx, alice); err != nil {
		t.Fatal(err)
	}
	// The owner claims again (a new spelling); another identity may not,
	// neither the key nor a look-alike of it.
	alice.Nick, alice.Claimed = "ALICE", 11
	if err := s.Claim(ctx, alice); err != nil {
		t.Fatalf("the owner's second claim: %v", err)
	}
	for _, o := range []Owned{
		{Key: "alice", Skeleton: "alice", Nick: "alice", Owner: "FPB"},
		{Key: "аlice", Skeleton: "alice", Nick: "аlice", Owner: "FPB"},
	} {
		if err := s.Claim(ctx, o); !errors.Is(err, ErrOwnedByOther) {
			t.Fatalf("claim of %q by another identity: %v, want ErrOwnedByOther", o.Nick, err)
		}
	}
	s.Close()
	s = open(t, dir)
	got, err := s.OwnedNicks(ctx)
	if err != nil || len(got) != 1 || got[0] != alice {
		t.Fatalf("OwnedNicks after reopening = %v, %v; want [%v]", got, err, alice)
	}
	if ok, err := s.Unclaim(ctx, "alice", "FPB"); ok || err != nil {
		t.Fatalf("Unclaim by another identity = %v, %v", ok, err)
	}
	if ok, err := s.Unclaim(ctx, "alice", "FPA"); !ok || err != nil {
		t.Fatalf("Unclaim by the owner = %v, %v", ok, err)
	}
	if got, _ := s.OwnedNicks(ctx); len(got) != 0 {
		t.Fatalf("owned after Unclaim: %v", got)
	}
}

func TestKeptMessagesLimitsAndForgetting(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	ctx := t.Context()
	lim := KeepLimits{Count: 3, Bytes: 10}
	for i, body := range []string{"ab", "cd", "ef"} {
		if err := s.Keep(ctx, "alice", Kept{Time: int64(100 + i), From: "bob", Body: body}, lim); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Keep(ctx, "alice", Kept{Time: 200, From: "bob", Body: "g"}, lim); !errors.Is(err, ErrInboxFull) {
		t.Fatalf("a fourth message over a limit of 3: %v", err)
	}
	if err := s.Keep(ctx, "carol", Kept{Time: 201, From: "bob", Body: strings.Repeat("é", 6)}, lim); !errors.Is(err, ErrInboxFull) {
		t.Fatalf("12 bytes over a limit of 10: %v", err)
	}
	if err := s.Keep(ctx, "carol", Kept{Time: 202, From: "bob", Body: "x"}, lim); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = open(t, dir)
	got, err := s.Inbox(ctx, "alice", 0)
	if err != nil || len(got) != 3 || got[0] != (Kept{Time: 100, From: "bob", Body: "ab"}) || got[2].Time != 102 {
		t.Fatalf("Inbox after reopening = %v, %v", got, err)
	}
	if got, _ := s.Inbox(ctx, "alice", 102); len(got) != 1 {
		t.Fatalf("Inbox not before 102 = %v", got)
	}
	if err := s.ForgetInbox(ctx, "alice", 101); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Inbox(ctx, "alice", 0); len(got) != 1 || got[0].Time != 102 {
		t.Fatalf("Inbox after forgetting up to 101 = %v", got)
	}
	if n, err := s.PruneKept(ctx, 150); n != 1 || err != nil {
		t.Fatalf("PruneKept(150) = %d, %v; want alice's last one", n, err)
	}
	if got, _ := s.Inbox(ctx, "carol", 0); len(got) != 1 {
		t.Fatalf("carol's message pruned: %v", got)
	}
}

func TestMigrateFromVersion2(t *testing.T) {
	dir := t.TempDir()
	old, err := openAt(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := old.Append(t.Context(), msgs(0, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := old.db.Exec(`SELECT * FROM owned`); err == nil {
		t.Fatal("a version-2 database has the owned table")
	}
	old.Close()
	s := open(t, dir)
	var v int
	s.db.QueryRow(`PRAGMA user_version`).Scan(&v)
	if v != currentVersion || currentVersion != 3 {
		t.Fatalf("after migration the version is %d (current %d), want 3", v, currentVersion)
	}
	if n, _ := s.Count(t.Context()); n != 3 {
		t.Fatalf("%d messages after migration, want 3", n)
	}
	if err := s.Claim(t.Context(), Owned{Key: "a", Skeleton: "a", Nick: "a", Owner: "F"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Keep(t.Context(), "a", Kept{Time: 5, From: "b", Body: "x"}, KeepLimits{Count: 1, Bytes: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestOwnedTablesFromEmptyFolder(t *testing.T) {
	s := open(t, t.TempDir())
	if got, err := s.OwnedNicks(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("OwnedNicks of a new database = %v, %v", got, err)
	}
	if got, err := s.Inbox(t.Context(), "x", 0); err != nil || len(got) != 0 {
		t.Fatalf("Inbox of a new database = %v, %v", got, err)
	}
}
