package chat

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMentions(t *testing.T) {
	for _, c := range []struct {
		nick, text string
		want       bool
	}{
		{"bob", "bob", true},
		{"bob", "hi bob, lunch?", true},
		{"bob", "@bob look", true},
		{"bob", "thanks BOB.", true},
		{"bob", "Bob's turn", true},
		{"bob", "(bob)", true},
		{"bob", "bobby is here", false},
		{"bob", "ask jimbob", false},
		{"bob", "mail bob.smith", false},
		{"bob", "bob_2 says hi", false},
		{"bob", "nobody here", false},
		{"bob", "", false},
		{"straße", "ask STRASSE", true},
		{"Émile", "salut e\u0301mile !", true},
		{"Émile", "salut émiles", false},
		{"سارة", "صباح الخير يا سارة!", true},
		{"דנה", "@דנה בוקר טוב", true},
		{"李明", "李明你好", true},
		{"はると", "はるとさん、資料です", true},
		{"Δημήτρης", "γεια σου ΔΗΜΉΤΡΗΣ", true},
		{"bob", "bob你好", true},
		{"bob", "bo b", false},
	} {
		assert.Equal(t, c.want, Mentions(c.text, c.nick), "%q in %q", c.nick, c.text)
	}
}
