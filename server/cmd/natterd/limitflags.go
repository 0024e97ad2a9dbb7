package main

import (
	"flag"

	"github.com/natter-chat/natter/server"
)

// limitFlags defines the flags of the limits that keep one host, or one
// client, from taking the room down; d holds their defaults.
func limitFlags(fs *flag.FlagSet, c *server.Config, d *server.Config) {
	fs.IntVar(&c.MaxSharedFiles, "max-shared-files", d.MaxSharedFiles, "most `files` FILES lists from the shared folder (clients page through them 500 at a time)")
	sizeFlag(fs, "max-queued", "`bytes` queued for all clients together (what the lines cost in memory); near it, the clients holding the most are dropped as too-slow",
		int64(d.MaxQueuedBytes), func(n int64) { c.MaxQueuedBytes = int(n) })
	h, dh := &c.Hosts, &d.Hosts
	fs.IntVar(&h.MaxSessions, "host-sessions", dh.MaxSessions, "`sessions` at once from one host (an IP address; an IPv6 /64); more get ERR 503 hub-full")
	fs.Float64Var(&h.ConnectRate, "host-connect-rate", dh.ConnectRate, "new `connections` per second from one host; more get ERR 429 slow-down and BYE flood")
	fs.IntVar(&h.ConnectBurst, "host-connect-burst", dh.ConnectBurst, "new `connections` one host may open at once above -host-connect-rate")
	fs.Float64Var(&h.NickRate, "host-nick-rate", dh.NickRate, "registrations and renames per minute from one host (`count`); more get ERR 429 NICK slow-down")
	fs.IntVar(&h.NickBurst, "host-nick-burst", dh.NickBurst, "registrations and renames (`count`) one host may make at once above -host-nick-rate")
	fs.IntVar(&h.MaxTransfers, "host-transfers", dh.MaxTransfers, "file `transfers` at once per host, granted ones included; more get ERR 409 busy")
	fs.IntVar(&h.UploadFiles, "host-upload-files", dh.UploadFiles, "uploads (`files`) granted per hour to one host; more get ERR 429 PUT slow-down")
	sizeFlag(fs, "host-upload-bytes", "`bytes` of uploads granted per hour to one host", dh.UploadBytes, func(n int64) { h.UploadBytes = n })
	fs.Float64Var(&h.PublicReadRate, "host-public-read-rate", dh.PublicReadRate, "with -tftp-public: reads by name (`RRQs`) per second from one host")
	fs.IntVar(&h.PublicReadBurst, "host-public-read-burst", dh.PublicReadBurst, "with -tftp-public: reads by name (`RRQs`) one host may make at once above the rate")
	fs.Func("host-exempt", "comma-separated `addresses` and prefixes to which no per-host limit applies, for load tests (e.g. 127.0.0.1,::1; loopback is not exempt by default)", func(s string) error {
		p, err := server.ParseHostList(s)
		h.Exempt = p
		return err
	})
}

// sizeFlag defines a flag of a size in bytes with units (see byteSize),
// which set stores when the flag is given.
func sizeFlag(fs *flag.FlagSet, name, usage string, def int64, set func(int64)) {
	fs.Func(name, usage+" (default "+formatSize(def)+"; units: KiB, MiB, GiB, ...)", func(v string) error {
		var b byteSize
		if err := b.Set(v); err != nil {
			return err
		}
		set(int64(b))
		return nil
	})
}
