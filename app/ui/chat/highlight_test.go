package chat

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestHighlightMarksWholeWords(t *testing.T) {
	for _, c := range []struct {
		text, words string
		want        []Part
	}{
		{"Le café est prêt", "cafe", []Part{{"Le ", false}, {"café", true}, {" est prêt", false}}},
		{"CAFE au lait, cafés", "café lait", []Part{{"CAFE", true}, {" au ", false}, {"lait", true}, {", cafés", false}}},
		{"message 7 and message 17", "7", []Part{{"message ", false}, {"7", true}, {" and message 17", false}}},
		{"東京で会議", "東京", []Part{{"東京", true}, {"で会議", false}}},
		{"nothing here", "", []Part{{"nothing here", false}}},
		{"", "x", nil},
	} {
		require.Equal(t, c.want, Highlight(c.text, c.words), "%q in %q", c.words, c.text)
	}
}
