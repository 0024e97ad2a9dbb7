package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/natter-chat/natter/server/store"
)

// backup writes a consistent copy of the database in the options' data
// folder to opts.backup and returns the exit code. The database may be in
// use by a running hub: SQLite's WAL lets this process read a snapshot
// while the hub goes on writing.
func backup(ctx context.Context, opts *options, stdout, stderr io.Writer) int {
	dir := dataDirFor(opts.dataDir, opts.cfg.Dir)
	if _, err := os.Stat(filepath.Join(dir, store.FileName)); err != nil {
		fmt.Fprintf(stderr, "natterd: -backup: no database in %s (%v); name the hub's folder with -data-dir\n", dir, err)
		return 1
	}
	st, err := store.Open(dir)
	if err != nil {
		fmt.Fprintln(stderr, "natterd: -backup:", err)
		return 1
	}
	defer st.Close()
	if err := st.Backup(ctx, opts.backup); err != nil {
		fmt.Fprintln(stderr, "natterd: -backup:", err)
		return 1
	}
	fmt.Fprintf(stdout, "natterd: copied %s to %s\n", st.Path(), opts.backup)
	return 0
}
