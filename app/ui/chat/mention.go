package chat

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Mentions reports whether text names nick: "bob", "@bob", "Bob," or
// "BOB." all mention bob, "bobby" and "bob.smith" do not. Text and nick
// are compared as the hub compares nicks (NFC, then Unicode case folding),
// so it works in any script; in scripts written without spaces between
// words (Chinese, Japanese, Thai…) a neighbouring character of that script
// counts as a word boundary, or no mention there would ever be found.
func Mentions(text, nick string) bool {
	if nick == "" || text == "" {
		return false
	}
	t, n := foldText(text), foldText(nick)
	for from := 0; from <= len(t)-len(n); {
		i := strings.Index(t[from:], n)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(n)
		if boundaryBefore(t[:start]) && boundaryAfter(t[end:]) {
			return true
		}
		_, size := utf8.DecodeRuneInString(t[start:])
		from = start + size
	}
	return false
}

var folder = cases.Fold()

func foldText(s string) string { return folder.String(norm.NFC.String(s)) }

// inWord reports whether r can be part of a nick: natter/1 nicks are
// letters, digits, marks, '_', '-' and '.'.
func inWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_' || r == '-' || r == '.'
}

// unspaced reports whether r belongs to a script written without spaces
// between words.
func unspaced(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao,
		unicode.Khmer, unicode.Myanmar)
}

func boundaryBefore(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return s == "" || !inWord(r) || unspaced(r)
}

// boundaryAfter allows the punctuation that ends a sentence or a clause
// ("bob." "bob-") when no more of a word follows it ("bob.smith").
func boundaryAfter(s string) bool {
	rest := strings.TrimLeft(s, "._-")
	if rest == "" {
		return true
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return !inWord(r) || unspaced(r)
}
