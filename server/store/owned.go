package store

import (
	"context"
	"errors"
	"fmt"
)

// Owned is a nick made someone's own (natter/1 section 9).
type Owned struct {
	Key      string // the nick key (PRECIS UsernameCaseMapped)
	Skeleton string // the confusable skeleton look-alikes are compared by
	Nick     string // the nick as its owner wrote it
	Owner    string // the owner's identity fingerprint
	Claimed  int64  // when it was claimed, Unix milliseconds
}

// Kept is a private message kept for the owner of a nick while offline.
type Kept struct {
	Time int64  // the hub's <time> of the message
	From string // the sender's nick
	Body string // the text in wire form (escaped)
}

// KeepLimits bound what is kept for one recipient: at most Count messages
// and Bytes of bodies; Keep refuses a message beyond them.
type KeepLimits struct {
	Count int
	Bytes int64
}

// ErrOwnedByOther reports a claim of a nick that someone else owns.
var ErrOwnedByOther = errors.New("the nick is owned by another identity")

// ErrInboxFull reports a message that would take what is kept for its
// recipient beyond the limits.
var ErrInboxFull = errors.New("the recipient's kept messages are at their limit")

// Claim stores o, or refreshes its nick and time when its owner claims it
// again. A nick key or skeleton owned by another identity is refused with
// ErrOwnedByOther.
func (s *Store) Claim(ctx context.Context, o Owned) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("claiming in", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM owned WHERE (key = ? OR skeleton = ?) AND owner <> ?`,
		o.Key, o.Skeleton, o.Owner).Scan(&n); err != nil {
		return s.wrap("claiming in", err)
	}
	if n > 0 {
		return fmt.Errorf("natter store: claiming %q: %w", o.Nick, ErrOwnedByOther)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO owned(key, skeleton, nick, owner, claimed) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT(key) DO UPDATE SET skeleton = excluded.skeleton, nick = excluded.nick, claimed = excluded.claimed`,
		o.Key, o.Skeleton, o.Nick, o.Owner, o.Claimed); err != nil {
		return s.wrap("claiming in", err)
	}
	return s.wrap("claiming in", tx.Commit())
}

// Unclaim gives up the nick key owned by owner, with what was kept for it,
// and reports whether it was owned by owner.
func (s *Store) Unclaim(ctx context.Context, key, owner string) (bool, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, s.wrap("unclaiming in", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM owned WHERE key = ? AND owner = ?`, key, owner)
	if err != nil {
		return false, s.wrap("unclaiming in", err)
	}
	n, _ := res.RowsAffected()
	if n > 0 {
		if _, err := tx.ExecContext(ctx, `DELETE FROM kept WHERE recipient = ?`, key); err != nil {
			return false, s.wrap("unclaiming in", err)
		}
	}
	return n > 0, s.wrap("unclaiming in", tx.Commit())
}

// OwnedNicks returns every owned nick, by key.
func (s *Store) OwnedNicks(ctx context.Context) ([]Owned, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT key, skeleton, nick, owner, claimed FROM owned ORDER BY key`)
	if err != nil {
		return nil, s.wrap("reading", err)
	}
	defer rows.Close()
	var out []Owned
	for rows.Next() {
		var o Owned
		if err := rows.Scan(&o.Key, &o.Skeleton, &o.Nick, &o.Owner, &o.Claimed); err != nil {
			return nil, s.wrap("reading", err)
		}
		out = append(out, o)
	}
	return out, s.wrap("reading", rows.Err())
}

// Keep stores m for the owner of nick key recipient, unless that would take
// what is kept for them beyond lim (ErrInboxFull).
func (s *Store) Keep(ctx context.Context, recipient string, m Kept, lim KeepLimits) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("keeping a message in", err)
	}
	defer tx.Rollback()
	var n int
	var size int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(CAST(body AS BLOB))), 0) FROM kept WHERE recipient = ?`,
		recipient).Scan(&n, &size); err != nil {
		return s.wrap("keeping a message in", err)
	}
	if n+1 > lim.Count || size+int64(len(m.Body)) > lim.Bytes {
		return fmt.Errorf("natter store: keeping a message for %q (%d messages, %d bytes kept; limits %d, %d): %w",
			recipient, n, size, lim.Count, lim.Bytes, ErrInboxFull)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO kept(recipient, time, sender, body) VALUES (?, ?, ?, ?)`,
		recipient, m.Time, m.From, m.Body); err != nil {
		return s.wrap("keeping a message in", err)
	}
	return s.wrap("keeping a message in", tx.Commit())
}

// Inbox returns the messages kept for recipient stamped at or after
// notBefore, oldest first.
func (s *Store) Inbox(ctx context.Context, recipient string, notBefore int64) ([]Kept, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT time, sender, body FROM kept WHERE recipient = ? AND time >= ? ORDER BY time`,
		recipient, notBefore)
	if err != nil {
		return nil, s.wrap("reading", err)
	}
	defer rows.Close()
	var out []Kept
	for rows.Next() {
		var k Kept
		if err := rows.Scan(&k.Time, &k.From, &k.Body); err != nil {
			return nil, s.wrap("reading", err)
		}
		out = append(out, k)
	}
	return out, s.wrap("reading", rows.Err())
}

// ForgetInbox forgets the messages kept for recipient stamped at or before
// upTo (those Inbox returned and the hub delivered).
func (s *Store) ForgetInbox(ctx context.Context, recipient string, upTo int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM kept WHERE recipient = ? AND time <= ?`, recipient, upTo)
	return s.wrap("forgetting kept messages in", err)
}

// PruneKept forgets every kept message stamped before notBefore and
// returns how many.
func (s *Store) PruneKept(ctx context.Context, notBefore int64) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM kept WHERE time < ?`, notBefore)
	if err != nil {
		return 0, s.wrap("pruning kept messages in", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
