package store

import (
	"context"
	"fmt"
)

// migrations take the schema from version i to i+1 (PRAGMA user_version).
// A migration is never changed once released; a change is a new one.
var migrations = []string{
	// 1: the public history, keyed by the hub's unique <time>.
	`CREATE TABLE messages (
		time INTEGER PRIMARY KEY,
		nick TEXT NOT NULL,
		body TEXT NOT NULL
	) WITHOUT ROWID`,
	// 2: the search index. Contentless: it holds the words, not a second
	// copy of the text, and rows are deleted by rowid (= time). Messages
	// of version 1 are indexed by Index, as new ones are.
	`CREATE VIRTUAL TABLE messages_fts USING fts5(words, content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')`,
	// 3: owned nicks, by nick key, with the confusable skeleton that
	// look-alikes are compared by; and the private messages kept for an
	// owner who is offline, by recipient key and the hub's <time>.
	`CREATE TABLE owned (
		key      TEXT PRIMARY KEY,
		skeleton TEXT NOT NULL,
		nick     TEXT NOT NULL,
		owner    TEXT NOT NULL,
		claimed  INTEGER NOT NULL
	) WITHOUT ROWID;
	CREATE INDEX owned_skeleton ON owned(skeleton);
	CREATE TABLE kept (
		recipient TEXT NOT NULL,
		time      INTEGER NOT NULL,
		sender    TEXT NOT NULL,
		body      TEXT NOT NULL,
		PRIMARY KEY (recipient, time)
	) WITHOUT ROWID`,
}

// currentVersion is the schema version this code writes.
var currentVersion = len(migrations)

// migrate brings the schema up to version v, one transaction per step. A
// database newer than this code is refused, not touched.
func (s *Store) migrate(ctx context.Context, v int) error {
	var have int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&have); err != nil {
		return err
	}
	if have > currentVersion {
		return fmt.Errorf("schema version %d is newer than this hub knows (%d); run a newer hub", have, currentVersion)
	}
	for ; have < v; have++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[have]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrating the schema to version %d: %w", have+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, have+1)); err != nil {
			tx.Rollback()
			return err
		}
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	return nil
}
