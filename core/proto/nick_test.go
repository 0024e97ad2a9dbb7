package proto

import (
	"errors"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustIdentify(t *testing.T, nick string) NickIdentity {
	t.Helper()
	id, err := IdentifyNick(nick)
	require.NoError(t, err, "%q", nick)
	return id
}

func TestIdentifyNickLookAlikes(t *testing.T) {
	alice := mustIdentify(t, "alice")
	cyrillic := mustIdentify(t, "\u0430lice") // Cyrillic а
	assert.NotEqual(t, alice.Key, cyrillic.Key, "different letters, different keys")
	assert.Equal(t, alice.Skeleton, cyrillic.Skeleton, "а looks like a")
	assert.True(t, alice.Collides(cyrillic))

	capitalI := mustIdentify(t, "aIice")
	assert.NotEqual(t, alice.Key, capitalI.Key)
	assert.Equal(t, alice.Skeleton, capitalI.Skeleton, "I looks like l")

	assert.False(t, alice.Collides(mustIdentify(t, "alicia")))
	assert.False(t, alice.Collides(mustIdentify(t, "bob")))
}

func TestIdentifyNickKeys(t *testing.T) {
	alice := mustIdentify(t, "alice")
	wide := mustIdentify(t, "ＡＬＩＣＥ")
	assert.Equal(t, "alice", wide.Key, "width folded and lower-cased")
	assert.Equal(t, alice.Key, wide.Key)
	assert.True(t, alice.Collides(wide))
	assert.Equal(t, mustIdentify(t, "Alice").Key, alice.Key)
	assert.Equal(t, mustIdentify(t, "Zoë").Key, mustIdentify(t, "zoe\u0308").Key, "NFC")
}

// PRECIS maps case with toLowerCase, not case folding: ß is lower case
// already, so Straße and strasse are two keys. The skeleton is case folded,
// which writes ß as ss, so the two still cannot be online together.
func TestIdentifyNickSharpS(t *testing.T) {
	sharp := mustIdentify(t, "Straße")
	double := mustIdentify(t, "strasse")
	assert.Equal(t, "straße", sharp.Key)
	assert.Equal(t, "strasse", double.Key)
	assert.NotEqual(t, sharp.Key, double.Key)
	assert.Equal(t, sharp.Skeleton, double.Skeleton)
	assert.True(t, sharp.Collides(double))
	assert.Equal(t, double.Key, mustIdentify(t, "STRASSE").Key)
}

func TestIdentifyNickAllowedScripts(t *testing.T) {
	nicks := []string{"日本語", "李小龍", "김민준", "علي", "محمد2", "Zoë", "José", "Ωmega", "Łukasz", "Ærøskøbing", "bob"}
	ids := make([]NickIdentity, len(nicks))
	for i, n := range nicks {
		ids[i] = mustIdentify(t, n)
	}
	for i := range ids {
		for j := i + 1; j < len(ids); j++ {
			assert.False(t, ids[i].Collides(ids[j]), "%q and %q", nicks[i], nicks[j])
		}
	}
	// Accents make different nicks.
	assert.False(t, mustIdentify(t, "José").Collides(mustIdentify(t, "Jose")))
	assert.False(t, mustIdentify(t, "Zoë").Collides(mustIdentify(t, "Zoe")))
}

func TestIdentifyNickRefused(t *testing.T) {
	bad := map[string]string{
		"alice\u202e":               "changes how text is displayed",
		"\u202ealice":               "changes how text is displayed",
		"al\u200bice":               "changes how text is displayed",
		"al\u200dice":               "changes how text is displayed",
		"alice\ufeff":               "changes how text is displayed",
		"alice\u2066":               "changes how text is displayed",
		"al\u061cice":               "changes how text is displayed",
		"ﬁx":                        "PRECIS",
		"µx":                        "PRECIS",
		"Ali_علي":                   "PRECIS",
		"علي_":                      "PRECIS",
		"ｈｕｂ":                       "reserved",
		"h\u057db":                  "reserved", // Armenian ս
		"HUB":                       "reserved",
		"Everyone":                  "reserved",
		"1bob":                      "must start with a letter",
		"":                          "empty",
		"bo b":                      "a space",
		"x234567890123456789012345": "longer than 24",
	}
	for nick, want := range bad {
		_, err := IdentifyNick(nick)
		require.Error(t, err, "%q", nick)
		assert.True(t, errors.Is(err, &Error{Reason: ReasonBadNick, Keyword: KwNick}), "%q: %v", nick, err)
		assert.Contains(t, err.Error(), want, "%q", nick)
	}
}

func TestValidNickDisplayControls(t *testing.T) {
	for _, r := range []rune{0x061C, 0x200E, 0x200F, 0x202A, 0x202E, 0x2066, 0x2069, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF} {
		err := ValidNick("ab" + string(r) + "c")
		require.Error(t, err, "U+%04X", r)
		assert.Contains(t, err.Error(), "changes how text is displayed", "U+%04X", r)
		assert.Contains(t, err.Error(), "at byte 2", "U+%04X", r)
	}
}

// FuzzIdentifyNick checks that IdentifyNick never panics, that an accepted
// nick's Key is a fixed point of the key mapping and that an accepted
// nick's Key, where it is itself a valid nick, identifies as the same nick.
func FuzzIdentifyNick(f *testing.F) {
	for _, s := range []string{"alice", "\u0430lice", "ＡＬＩＣＥ", "Straße", "İstanbul", "ς", "Σ", "ǅa", "علي", "a\u202e", "\xff", "Zoe\u0308", "ﬀ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, nick string) {
		id, err := IdentifyNick(nick)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Reason != ReasonBadNick {
				t.Fatalf("IdentifyNick(%q) failed with %v, not a bad-nick *Error", nick, err)
			}
			return
		}
		if !utf8.ValidString(id.Key) || id.Key == "" || id.Skeleton == "" {
			t.Fatalf("IdentifyNick(%q) = %+v", nick, id)
		}
		again, err := caseMappedKey(id.Key)
		if err != nil || again != id.Key {
			t.Fatalf("key of %q is %q, whose key is %q (%v)", nick, id.Key, again, err)
		}
		if id2, err := IdentifyNick(id.Key); err == nil && id2.Key != id.Key {
			t.Fatalf("key of %q is %q, whose key is %q", nick, id.Key, id2.Key)
		}
	})
}

// BenchmarkNickIdentity measures IdentifyNick, which a hub runs for every
// NICK, against its baseline NickKey, the section 3 key.
func BenchmarkNickIdentity(b *testing.B) {
	nicks := []string{"alice", "Zoë", "日本語", "علي", "Straße"}
	b.Run("NickKey", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range nicks {
				_ = NickKey(n)
			}
		}
	})
	b.Run("IdentifyNick", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, n := range nicks {
				if _, err := IdentifyNick(n); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func TestLooseNickIdentityCatchesCompatibilityLookAlikes(t *testing.T) {
	owned, err := IdentifyNick("fiona")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := IdentifyNick("ﬁona"); err == nil {
		t.Fatal("IdentifyNick accepted a ligature")
	}
	if !LooseNickIdentity("ﬁona").Collides(owned) {
		t.Fatal("ﬁona does not collide with fiona")
	}
	if LooseNickIdentity("ﬁnn").Collides(owned) {
		t.Fatal("ﬁnn collides with fiona")
	}
}
