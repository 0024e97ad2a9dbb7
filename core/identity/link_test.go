package identity

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJoinLinkRoundTrip(t *testing.T) {
	f := fp("hub")
	for _, tc := range []struct {
		link string
		want JoinLink
	}{
		{"natter://192.168.1.10:50001/?fp=" + f.String(), JoinLink{"192.168.1.10", 50001, f}},
		{"natter://laptop-studio-4-hub.local:50001/?fp=" + f.String(), JoinLink{"laptop-studio-4-hub.local", 50001, f}},
		{"natter://[fd00::1]:443/?fp=" + f.String(), JoinLink{"fd00::1", 443, f}},
		{"natter://[fe80::1%25eth0]:50001/?fp=" + f.String(), JoinLink{"fe80::1%eth0", 50001, f}},
	} {
		got, err := ParseJoinLink(tc.link)
		require.NoError(t, err, tc.link)
		assert.Equal(t, tc.want, got)
		assert.Equal(t, tc.link, got.String())
	}
	// Accepted, though not in the form String writes.
	for _, s := range []string{
		"natter://hub.local:50001?fp=" + f.String(),
		"NATTER://hub.local:50001/?fp=" + f.String(),
		"natter://hub.local:50001/?fp=" + f.String() + "&name=Studio",
	} {
		got, err := ParseJoinLink(s)
		require.NoError(t, err, s)
		assert.Equal(t, JoinLink{"hub.local", 50001, f}, got)
	}
}

func TestJoinLinkRefused(t *testing.T) {
	f := fp("hub").String()
	for link, part := range map[string]string{
		"https://hub.local:50001/?fp=" + f:               "scheme",
		"natter:hub.local:50001?fp=" + f:                 "link",
		"natter://hub.local/?fp=" + f:                    "port",
		"natter://hub.local:/?fp=" + f:                   "port",
		"natter://hub.local:0/?fp=" + f:                  "port",
		"natter://hub.local:65536/?fp=" + f:              "port",
		"natter://hub.local:050001/?fp=" + f:             "port",
		"natter://hub.local:5x/?fp=" + f:                 "port",
		"natter://[fd00::1]/?fp=" + f:                    "port",
		"natter://:50001/?fp=" + f:                       "host",
		"natter://hub_1.local:50001/?fp=" + f:            "host",
		"natter://-hub.local:50001/?fp=" + f:             "host",
		"natter://hub..local:50001/?fp=" + f:             "host",
		"natter://999.1.1.1:50001/?fp=" + f:              "host",
		"natter://[fd00::zz]:50001/?fp=" + f:             "host",
		"natter://bob@hub.local:50001/?fp=" + f:          "host",
		"natter://hub.local:50001/join?fp=" + f:          "path",
		"natter://hub.local:50001/?fp=" + f + "#x":       "link",
		"natter://hub.local:50001/":                      "fp",
		"natter://hub.local:50001/?fp=":                  "fp",
		"natter://hub.local:50001/?fp=" + f[:51]:         "fp",
		"natter://hub.local:50001/?fp=" + f + "&fp=" + f: "fp",
		"natter://hub.local:50001/?fp=%zz":               "fp",
		"natter://hub.local:50001/?fp=" + "a" + f[1:]:    "fp",
	} {
		_, err := ParseJoinLink(link)
		var le *LinkError
		if !assert.True(t, errors.As(err, &le), "%q: got %v", link, err) {
			continue
		}
		assert.Equal(t, part, le.Part, "%q: %v", link, err)
	}
}

func FuzzParseJoinLink(f *testing.F) {
	f.Add("natter://hub.local:50001/?fp=" + fp("hub").String())
	f.Add("natter://[fe80::1%25eth0]:50001/?fp=" + fp("hub").String())
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseJoinLink(s)
		if err != nil {
			return
		}
		again, err := ParseJoinLink(l.String())
		if err != nil || again != l {
			t.Fatalf("%q parsed as %+v, written as %q, which parses as %+v (%v)", s, l, l.String(), again, err)
		}
	})
}
