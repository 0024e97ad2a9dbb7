package chat

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Part is a piece of a message's text, Match when it is one of the words
// searched for.
type Part struct {
	Text  string
	Match bool
}

// Highlight splits text into parts, marking the words of words (separated
// by spaces) where they occur as whole words, with case and accents aside
// as the hub's search does. In scripts written without spaces a word may
// also be part of a longer run of letters.
func Highlight(text, words string) []Part {
	var want []string
	for _, w := range strings.Fields(words) {
		want = append(want, plainWord(w))
	}
	var parts []Part
	add := func(s string, match bool) {
		if s == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Match == match {
			parts[n-1].Text += s
			return
		}
		parts = append(parts, Part{Text: s, Match: match})
	}
	for rest := text; rest != ""; {
		// A run of word characters, or of anything else.
		r, _ := utf8.DecodeRuneInString(rest)
		word := isWordRune(r)
		end := strings.IndexFunc(rest, func(r rune) bool { return isWordRune(r) != word })
		if end < 0 {
			end = len(rest)
		}
		run := rest[:end]
		rest = rest[end:]
		if !word || len(want) == 0 {
			add(run, false)
			continue
		}
		if slices.Contains(want, plainWord(run)) {
			add(run, true)
			continue
		}
		add(run, false)
	}
	return markUnspaced(parts, want)
}

// markUnspaced marks the words found inside the unmatched runs of scripts
// written without spaces.
func markUnspaced(parts []Part, want []string) []Part {
	var out []Part
	for _, p := range parts {
		if p.Match || !strings.ContainsFunc(p.Text, unspaced) {
			out = append(out, p)
			continue
		}
		rest := p.Text
		for rest != "" {
			at, n := -1, 0
			for _, w := range want {
				if w == "" || !strings.ContainsFunc(w, unspaced) {
					continue
				}
				if i := strings.Index(rest, w); i >= 0 && (at < 0 || i < at) {
					at, n = i, len(w)
				}
			}
			if at < 0 {
				out = append(out, Part{Text: rest})
				break
			}
			if at > 0 {
				out = append(out, Part{Text: rest[:at]})
			}
			out = append(out, Part{Text: rest[at : at+n], Match: true})
			rest = rest[at+n:]
		}
	}
	return out
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) || r == '_'
}

// plainWord is w folded for comparison: lower case, without accents.
func plainWord(w string) string {
	d := norm.NFD.String(foldText(w))
	return strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, d)
}
