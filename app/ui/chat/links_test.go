package chat

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFindLinks(t *testing.T) {
	for text, want := range map[string][]Link{
		"no links here":                            nil,
		"see https://example.com.":                 {{4, 23, "https://example.com"}},
		"http://10.0.0.5:8080/a?b=c&d=e ok":        {{0, 30, "http://10.0.0.5:8080/a?b=c&d=e"}},
		"(docs at https://go.dev/doc)":             {{9, 27, "https://go.dev/doc"}},
		"https://en.wikipedia.org/wiki/Go_(game)":  {{0, 39, "https://en.wikipedia.org/wiki/Go_(game)"}},
		"два https://пример.рф/путь, да":           {{4, 26, "https://пример.рф/путь"}},
		"ftp://old.example and http://":            nil,
		"HTTPS://A.EXAMPLE and https://b.example/": {{0, 17, "HTTPS://A.EXAMPLE"}, {22, 40, "https://b.example/"}},
	} {
		assert.Equal(t, want, FindLinks(text), text)
	}
}
