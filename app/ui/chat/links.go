package chat

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Link is a web address in a message: its runes [Start, End) in the text.
type Link struct {
	Start, End int
	URL        string
}

var linkPattern = regexp.MustCompile(`(?i)\bhttps?://[^\s<>"]+`)

// FindLinks returns the http and https addresses in text, in order. A
// sentence's punctuation after an address is not part of it ("see
// https://example.com." links to https://example.com), nor is a closing
// bracket that opens before it.
func FindLinks(text string) []Link {
	var links []Link
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		url := trimLink(text[m[0]:m[1]])
		if strings.HasSuffix(url, "://") {
			// "http://" alone is no address.
			continue
		}
		start := utf8.RuneCountInString(text[:m[0]])
		links = append(links, Link{Start: start, End: start + utf8.RuneCountInString(url), URL: url})
	}
	return links
}

func trimLink(url string) string {
	for url != "" {
		last := url[len(url)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"*", last) >= 0:
			url = url[:len(url)-1]
		case last == ')' && strings.Count(url, "(") < strings.Count(url, ")"),
			last == ']' && strings.Count(url, "[") < strings.Count(url, "]"),
			last == '}' && strings.Count(url, "{") < strings.Count(url, "}"):
			url = url[:len(url)-1]
		default:
			return url
		}
	}
	return url
}
