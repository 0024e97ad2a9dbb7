package login

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCheckNick(t *testing.T) {
	for _, ok := range []string{"alice", "Zoë", "bob_2", "a.b-c", "abcdefghijklmnopqrstuvwx"} {
		assert.Empty(t, CheckNick(ok), ok)
	}
	for nick, want := range map[string]string{
		"":                          "Choose",
		"9lives":                    "Start with a letter",
		"_x":                        "Start with a letter",
		"a b":                       "not allowed",
		"alice smith":               "Nicknames cannot contain spaces",
		"bob\u00a0b":                "Nicknames cannot contain spaces",
		"a@b":                       "'@' is not allowed",
		"abcdefghijklmnopqrstuvwxy": "At most 24",
		"Everyone":                  "reserved",
		"hub":                       "reserved",
	} {
		assert.Contains(t, CheckNick(nick), want, nick)
	}
}

func TestCheckAndNormalizeAddr(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.5":        "10.0.0.5:50000",
		" 10.0.0.5:4000 ": "10.0.0.5:4000",
		"hub.local":       "hub.local:50000",
		"[::1]":           "[::1]:50000",
		"[::1]:7":         "[::1]:7",
	} {
		assert.Equal(t, want, NormalizeAddr(in), in)
		assert.Empty(t, CheckAddr(in), in)
	}
	for in, want := range map[string]string{
		"":            "Enter the hub's address",
		"host:99999":  "port must be",
		"host:port":   "port must be",
		":50000":      "host:port",
		"a:b:c:50000": "host:port",
	} {
		assert.Contains(t, CheckAddr(in), want, in)
	}
}
