package store

import (
	"strings"
	"unicode"

	"github.com/natter-chat/natter/core/proto"
)

// SQLite's unicode61 tokenizer splits words at spaces and punctuation, folds
// case and (remove_diacritics 2) accents, and takes emoji for separators.
// Scripts written without spaces (Han, kana, Hangul) would make one "word"
// of a whole sentence; so each of their characters is indexed as a word of
// its own, and a searched word in them becomes the phrase of its
// characters: 世界 finds 你好世界 but not 世 alone followed by something else.

// isUnspaced reports whether r belongs to a script written without spaces
// between words.
func isUnspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// spaceOut puts a space around every character of an unspaced script.
func spaceOut(s string) string {
	if !strings.ContainsFunc(s, isUnspaced) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) * 2)
	for _, r := range s {
		if isUnspaced(r) {
			b.WriteByte(' ')
			b.WriteRune(r)
			b.WriteByte(' ')
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// indexText is what the search index holds for a body in wire form.
func indexText(body string) string { return spaceOut(proto.Unescape(body)) }

// searchable reports whether w holds a letter or digit: anything else the
// tokenizer drops.
func searchable(w string) bool {
	return strings.ContainsFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })
}

// matchQuery returns the FTS5 query that finds every one of words, each as
// a phrase, or "" when none is searchable.
func matchQuery(words []string) string {
	var q []string
	for _, w := range words {
		if searchable(w) {
			q = append(q, quoteFTS(spaceOut(w)))
		}
	}
	return strings.Join(q, " AND ")
}
