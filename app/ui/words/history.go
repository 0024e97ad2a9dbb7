package words

import "fmt"

// The words of the stored history (natter/1 section 10): paging back in
// the log, and search.
const (
	// OlderIdle is the row above the oldest message while more may be
	// loaded.
	OlderIdle = "Scroll up for older messages"
	// OlderLoading is that row while a page is on its way.
	OlderLoading = "Loading older messages…"
	// OlderUnavailable is that row while the hub cannot load older
	// messages (its CAPS dropped store).
	OlderUnavailable = "The hub cannot load older messages just now."
	// OlderStart is that row once the hub has nothing older.
	OlderStart = "Start of the conversation"

	// SearchOpen describes the button that opens the search field.
	SearchOpen = "Search messages (Ctrl+F)"
	// SearchClose describes the button that closes it.
	SearchClose = "Close search (Esc)"
	// SearchHint is the search field's hint.
	SearchHint = "Search messages"
	// SearchNoStore is why there is nothing to search on a hub that keeps
	// no history.
	SearchNoStore = "This hub keeps no history, so it cannot search past messages."
	// SearchNotConnected is why a search cannot be sent now.
	SearchNotConnected = "Not connected to the hub; search is off until it is back."
	// Searching shows while a search is on its way.
	Searching = "Searching…"
	// SearchHow is the line under an empty search field.
	SearchHow = "Type words and press Enter. Up and Down choose a result, Enter shows it."
)

// Found is the line above the results of a search for words.
func Found(n int, words string) string {
	switch n {
	case 0:
		return fmt.Sprintf("No messages hold “%s”.", words)
	case 1:
		return fmt.Sprintf("1 message holds “%s”:", words)
	}
	more := ""
	if n >= 100 {
		more = " (the newest 100)"
	}
	return fmt.Sprintf("%d messages hold “%s”%s:", n, words, more)
}
