// Package store keeps what a Natter hub remembers across restarts in one
// embedded SQLite database (pure Go, so the hub still builds without cgo):
// the public history, searchable by words.
//
// A Store has one writer, the hub's committer, which groups messages into
// one transaction each; readers (paging, search) may run at the same time,
// as the database runs in WAL mode. The schema has a version and forward
// migrations (migrate.go); later tables (owned nicks, kept messages) are
// added as further migrations of the same database.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// FileName is the name of the database file in the hub's data folder.
const FileName = "natter.db"

// Message is one public message as the hub sent it.
type Message struct {
	Time int64  // the hub's <time>, unique and strictly increasing
	From string // the sender's nick
	Body string // the text in wire form (escaped, see proto.Escape)
}

// Store is an open database. Its methods may be called concurrently.
type Store struct {
	db   *sql.DB
	path string
	// The statements of every Append and Index, prepared once: preparing
	// them costs as much as writing a message.
	insert, index *sql.Stmt
	// indexed is the time of the newest message in the search index. Only
	// the one writer (Append, Index) uses it.
	indexed int64
}

// Open opens the database in dir, creating dir and the database if they are
// missing, and migrates it to the current schema. A file that is not a
// readable database is reported as a *CorruptError and left as it is.
func Open(dir string) (*Store, error) { return openAt(dir, currentVersion) }

// openAt opens the database in dir migrated up to schema version v (tests
// make databases of earlier versions with it).
func openAt(dir string, v int) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("natter store: making data folder: %w", err)
	}
	path := filepath.Join(dir, FileName)
	q := url.Values{}
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("natter store: opening %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.migrate(context.Background(), v); err != nil {
		db.Close()
		return nil, s.wrap("opening", err)
	}
	if v >= 2 {
		if s.insert, err = db.Prepare(`INSERT INTO messages(time, nick, body) VALUES (?, ?, ?)`); err == nil {
			s.index, err = db.Prepare(`INSERT INTO messages_fts(rowid, words) VALUES (?, ?)`)
		}
		if err == nil {
			err = db.QueryRow(`SELECT coalesce(max(rowid), 0) FROM messages_fts`).Scan(&s.indexed)
		}
		if err != nil {
			db.Close()
			return nil, s.wrap("opening", err)
		}
	}
	return s, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// CorruptError reports a database file that SQLite cannot read. The file is
// never replaced: the operator decides what becomes of it.
type CorruptError struct {
	Path string
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("natter store: %s is damaged or not a Natter database (%v); "+
		"stop the hub and move the file aside to start with an empty history, or put a backup (natterd -backup) in its place", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// ErrFull reports that the disk holding the database is full.
var ErrFull = errors.New("the disk is full")

// ErrReadOnly reports that the database cannot be written.
var ErrReadOnly = errors.New("the data folder cannot be written")

// wrap says which step on which file failed, and classifies SQLite's
// errors into CorruptError, ErrFull and ErrReadOnly.
func (s *Store) wrap(step string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB:
			return &CorruptError{Path: s.path, Err: err}
		case sqlite3.SQLITE_FULL:
			return fmt.Errorf("natter store: %s %s: %w (%v)", step, s.path, ErrFull, err)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM:
			return fmt.Errorf("natter store: %s %s: %w (%v)", step, s.path, ErrReadOnly, err)
		}
	}
	return fmt.Errorf("natter store: %s %s: %w", step, s.path, err)
}

// Append stores msgs, in order, in one transaction: all or none. Times must
// be new and increasing. They are found by Search once Index has run:
// indexing costs twice what storing does, so a hub stores a batch, sends
// it, and only then indexes it.
func (s *Store) Append(ctx context.Context, msgs []Message) error {
	if len(msgs) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.wrap("writing to", err)
	}
	defer tx.Rollback()
	ins := tx.StmtContext(ctx, s.insert)
	for _, m := range msgs {
		if _, err := ins.ExecContext(ctx, m.Time, m.From, m.Body); err != nil {
			return s.wrap("writing to", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.wrap("writing to", err)
	}
	return nil
}

// Index adds the stored messages that are not in the search index yet, up
// to max of them (oldest first) in one transaction, and reports how many it
// added; a store opened after a crash catches up so too.
func (s *Store) Index(ctx context.Context, max int) (int, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap("indexing", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT time, nick, body FROM messages WHERE time > ? ORDER BY time LIMIT ?`, s.indexed, max)
	if err != nil {
		return 0, s.wrap("indexing", err)
	}
	msgs, err := scan(rows)
	if err != nil || len(msgs) == 0 {
		return 0, s.wrap("indexing", err)
	}
	idx := tx.StmtContext(ctx, s.index)
	for _, m := range msgs {
		if _, err := idx.ExecContext(ctx, m.Time, indexText(m.Body)); err != nil {
			return 0, s.wrap("indexing", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, s.wrap("indexing", err)
	}
	s.indexed = msgs[len(msgs)-1].Time
	return len(msgs), nil
}

// Latest returns the newest n messages, oldest first.
func (s *Store) Latest(ctx context.Context, n int) ([]Message, error) {
	return s.Before(ctx, 1<<62, n)
}

// Before returns up to n messages stamped before t, oldest first.
func (s *Store) Before(ctx context.Context, t int64, n int) ([]Message, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT time, nick, body FROM messages WHERE time < ? ORDER BY time DESC LIMIT ?`, t, n)
	if err != nil {
		return nil, s.wrap("reading", err)
	}
	msgs, err := scan(rows)
	if err != nil {
		return nil, s.wrap("reading", err)
	}
	for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
		msgs[i], msgs[j] = msgs[j], msgs[i]
	}
	return msgs, nil
}

// Search returns up to limit messages holding every one of words as a
// whole word, case and accents aside, newest first. Words with nothing
// searchable in them (punctuation, emoji) are left out; with none left,
// nothing is found.
func (s *Store) Search(ctx context.Context, words []string, limit int) ([]Message, error) {
	q := matchQuery(words)
	if q == "" || limit <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT m.time, m.nick, m.body FROM messages_fts f JOIN messages m ON m.time = f.rowid
		WHERE messages_fts MATCH ? ORDER BY f.rowid DESC LIMIT ?`, q, limit)
	if err != nil {
		return nil, s.wrap("searching", err)
	}
	msgs, err := scan(rows)
	if err != nil {
		return nil, s.wrap("searching", err)
	}
	return msgs, nil
}

// LastTime returns the newest message's time, or 0 when there is none.
func (s *Store) LastTime(ctx context.Context) (int64, error) {
	var t sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT max(time) FROM messages`).Scan(&t); err != nil {
		return 0, s.wrap("reading", err)
	}
	return t.Int64, nil
}

// Count returns the number of stored messages.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil {
		return 0, s.wrap("reading", err)
	}
	return n, nil
}

// Prune forgets every message beyond the newest keep, and every one stamped
// before notBefore, at most max of them (the oldest first), and returns how
// many it forgot. A caller with more to forget calls it again: one
// transaction that deletes a large part of the history would hold the
// database, and every message waiting to be stored, for seconds.
func (s *Store) Prune(ctx context.Context, keep int, notBefore int64, max int) (int64, error) {
	if max <= 0 {
		return 0, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, s.wrap("pruning", err)
	}
	defer tx.Rollback()
	cut := notBefore
	var t sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT time FROM messages ORDER BY time DESC LIMIT 1 OFFSET ?`, keep).Scan(&t)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, s.wrap("pruning", err)
	case t.Int64+1 > cut:
		cut = t.Int64 + 1
	}
	// At most max messages: those before the max-th oldest's successor.
	err = tx.QueryRowContext(ctx, `SELECT time FROM messages WHERE time < ? ORDER BY time LIMIT 1 OFFSET ?`, cut, max).Scan(&t)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return 0, s.wrap("pruning", err)
	default:
		cut = t.Int64
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM messages_fts WHERE rowid < ?`, cut); err != nil {
		return 0, s.wrap("pruning", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE time < ?`, cut)
	if err != nil {
		return 0, s.wrap("pruning", err)
	}
	n, _ := res.RowsAffected()
	if err := tx.Commit(); err != nil {
		return 0, s.wrap("pruning", err)
	}
	if s.indexed < cut-1 {
		s.indexed = cut - 1 // nothing older is left to index
	}
	return n, nil
}

// Backup writes a consistent copy of the database to path, which must not
// exist, while the hub goes on writing.
func (s *Store) Backup(ctx context.Context, path string) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("natter store: backup %s: the file exists; name a new one", path)
	}
	if _, err := s.db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("natter store: backing up %s to %s: %w", s.path, path, err)
	}
	return nil
}

func scan(rows *sql.Rows) ([]Message, error) {
	defer rows.Close()
	var msgs []Message
	for rows.Next() {
		var m Message
		if err := rows.Scan(&m.Time, &m.From, &m.Body); err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	return msgs, rows.Err()
}

// quoteFTS quotes s as one FTS5 string (a phrase).
func quoteFTS(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
