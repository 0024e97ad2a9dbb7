package discovery

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testInfo(name string, users int) Info {
	return Info{Name: name, TCPPort: 50000, UDPPort: 50001, Users: func() int { return users }}
}

func TestProbeRoundTrip(t *testing.T) {
	nonce := Nonce{1, 2, 3, 4, 5, 6, 7, 8}
	p := BuildProbe(nonce)
	require.Len(t, p, ProbeMinLen)
	assert.True(t, IsProbe(p))
	got, err := ParseProbe(p)
	require.NoError(t, err)
	assert.Equal(t, nonce, got)

	reply, ok := AnswerProbe(p, testInfo("Kitchen hub", 7))
	require.True(t, ok)
	assert.LessOrEqual(t, len(reply), len(p)+MaxAnswerGrowth)
	assert.False(t, IsProbe(reply), "an answer must never pass for a probe")

	a, err := ParseAnswer(reply)
	require.NoError(t, err)
	assert.Equal(t, Answer{Nonce: nonce, Name: "Kitchen hub", TCPPort: 50000, UDPPort: 50001, Users: 7}, a)
}

func TestProbeNeverLooksLikeTFTP(t *testing.T) {
	p := BuildProbe(NewNonce())
	opcode := int(p[0])<<8 | int(p[1])
	assert.False(t, opcode >= 1 && opcode <= 6, "probe opcode %d", opcode)
	assert.NotZero(t, p[0])
	for op := 1; op <= 6; op++ {
		tftp := append([]byte{0, byte(op)}, "NATTER?\x00octet\x00"...)
		assert.False(t, IsProbe(tftp), "TFTP opcode %d", op)
	}
}

func TestProbeRejects(t *testing.T) {
	good := BuildProbe(Nonce{9})
	mutate := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"empty":       {},
		"magic only":  []byte("NATTER?"),
		"short":       good[:ProbeMinLen-1],
		"oversized":   append(bytes.Clone(good), make([]byte, ProbeMaxLen)...),
		"version 0":   mutate(func(b []byte) []byte { b[7] = 0; return b }),
		"version 2":   mutate(func(b []byte) []byte { b[7] = 2; return b }),
		"padding":     mutate(func(b []byte) []byte { b[40] = 1; return b }),
		"bad magic":   mutate(func(b []byte) []byte { b[6] = '!'; return b }),
		"tftp rrq":    append([]byte{0, 1}, "token\x00octet\x00"...),
		"answer echo": mutate(func(b []byte) []byte { b[6] = '!'; return b[:answerHeaderLen] }),
	}
	for name, pkt := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseProbe(pkt)
			assert.Error(t, err)
			reply, ok := AnswerProbe(pkt, testInfo("hub", 1))
			assert.False(t, ok)
			assert.Nil(t, reply)
		})
	}
	// The longest acceptable probe is answered.
	long := append(bytes.Clone(good), make([]byte, ProbeMaxLen-ProbeMinLen)...)
	_, ok := AnswerProbe(long, testInfo("hub", 1))
	assert.True(t, ok)
}

func TestAnswerCapsName(t *testing.T) {
	long := strings.Repeat("é", 40) // 80 bytes, two per character
	reply, ok := AnswerProbe(BuildProbe(Nonce{}), testInfo(long, 3))
	require.True(t, ok)
	assert.Equal(t, MaxAnswerLen-1, len(reply), "62 bytes of name: 63 would split a character")
	a, err := ParseAnswer(reply)
	require.NoError(t, err)
	assert.True(t, utf8.ValidString(a.Name))
	assert.Equal(t, strings.Repeat("é", 31), a.Name)
	assert.LessOrEqual(t, MaxAnswerLen, ProbeMinLen+MaxAnswerGrowth)
}

func TestAnswerClampsUsers(t *testing.T) {
	reply, ok := AnswerProbe(BuildProbe(Nonce{}), testInfo("hub", -5))
	require.True(t, ok)
	a, err := ParseAnswer(reply)
	require.NoError(t, err)
	assert.Equal(t, 0, a.Users)

	_, ok = AnswerProbe(BuildProbe(Nonce{}), Info{Name: "hub", TCPPort: 0, UDPPort: 1})
	assert.False(t, ok, "a hub without a TCP port has nothing to announce")
}

func TestParseAnswerRejects(t *testing.T) {
	good := buildAnswer(Nonce{1}, Answer{Name: "hub", TCPPort: 1, UDPPort: 2, Users: 3})
	_, err := ParseAnswer(good)
	require.NoError(t, err)
	mutate := func(f func([]byte) []byte) []byte { return f(bytes.Clone(good)) }
	cases := map[string][]byte{
		"short":        good[:answerHeaderLen-1],
		"magic":        mutate(func(b []byte) []byte { b[0] = 'X'; return b }),
		"version":      mutate(func(b []byte) []byte { b[7] = 2; return b }),
		"length long":  mutate(func(b []byte) []byte { b[24] = 4; return b }),
		"length short": mutate(func(b []byte) []byte { b[24] = 2; return b }),
		"name cap":     mutate(func(b []byte) []byte { b[24] = MaxNameLen + 1; return b }),
		"bad utf8":     mutate(func(b []byte) []byte { b[answerHeaderLen] = 0xff; return b }),
		"control":      mutate(func(b []byte) []byte { b[answerHeaderLen] = '\n'; return b }),
		"port 0":       mutate(func(b []byte) []byte { b[16], b[17] = 0, 0; return b }),
	}
	for name, pkt := range cases {
		_, err := ParseAnswer(pkt)
		assert.Error(t, err, name)
	}
}

func TestInfoValidate(t *testing.T) {
	assert.NoError(t, testInfo("hub", 0).validate())
	assert.ErrorContains(t, Info{TCPPort: 1, UDPPort: 1}.validate(), "empty")
	assert.ErrorContains(t, Info{Name: "a\x01", TCPPort: 1, UDPPort: 1}.validate(), "control")
	assert.ErrorContains(t, Info{Name: "a", TCPPort: 70000, UDPPort: 1}.validate(), "TCP port 70000")
	assert.ErrorContains(t, Info{Name: "a", TCPPort: 1, UDPPort: 0}.validate(), "UDP port 0")
	assert.ErrorContains(t, Info{Name: "a\xff", TCPPort: 1, UDPPort: 1}.validate(), "UTF-8")
}

// FuzzAnswerProbe checks that whatever arrives, an answer is only given to
// a valid probe and is never larger than it by more than MaxAnswerGrowth.
func FuzzAnswerProbe(f *testing.F) {
	f.Add(BuildProbe(Nonce{1, 2, 3}), "hub")
	f.Add([]byte("NATTER?"), "")
	f.Fuzz(func(t *testing.T, pkt []byte, name string) {
		info := Info{Name: name, TCPPort: 1, UDPPort: 2, Users: func() int { return len(pkt) }}
		reply, ok := AnswerProbe(pkt, info)
		if !ok {
			return
		}
		if len(reply) > len(pkt)+MaxAnswerGrowth {
			t.Fatalf("answer of %d bytes to a probe of %d", len(reply), len(pkt))
		}
		if !IsProbe(pkt) || len(pkt) < ProbeMinLen || len(pkt) > ProbeMaxLen {
			t.Fatalf("answered a packet that is no probe: %q", pkt)
		}
		a, err := ParseAnswer(reply)
		if err == nil && len(a.Name) > MaxNameLen {
			t.Fatalf("name of %d bytes", len(a.Name))
		}
		if err == nil && !strings.HasPrefix(name, a.Name) {
			t.Fatalf("name %q is not a prefix of %q", a.Name, name)
		}
	})
}
