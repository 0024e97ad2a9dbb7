package main

import (
	"flag"

	"github.com/natter-chat/natter/server"
)

// limitFlags defines the flags of the limits that keep one host, or one
// client, from taking the room down; d holds their defaults.
func limitFlags(fs *flag.FlagSet, c *server.Config, d *server.Config) {
	fs.IntVar(&c.MaxSharedFiles, "max-shared-files", d.MaxSharedFiles, "most `files` FILES lists from the shared folder (clients page through them 500 at a time)")
}
