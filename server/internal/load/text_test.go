package load

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPayloadRoundTrip(t *testing.T) {
	p := newPayload(0xdeadbeef, 64)
	text := p.appendText(nil, 12, 3456, 987654321)
	assert.Len(t, text, 64, "text padded to the size")
	sender, seq, ns, ok := p.parseText(text)
	require.True(t, ok, "%q", text)
	assert.Equal(t, 12, sender)
	assert.Equal(t, 3456, seq)
	assert.EqualValues(t, 987654321, ns)

	// The largest fields still fit in MinSize.
	big := newPayload(0xffffffff, MinSize).appendText(nil, 1<<31-1, 1<<31-1, 999_999_999_999_999)
	assert.LessOrEqual(t, len(big), MinSize, "%q", big)

	// A line end after the fields, or a text cut right after them, parses.
	_, _, _, ok = p.parseText(append(p.appendText(nil, 1, 2, 3)[:len("nl.deadbeef 1 2 3")], "\r\n"...))
	assert.True(t, ok)
}

func TestPayloadRejectsOtherTexts(t *testing.T) {
	p := newPayload(0xdeadbeef, 64)
	other := newPayload(0xdeadbeee, 64).appendText(nil, 1, 2, 3)
	for _, text := range []string{
		string(other),    // another run
		"hello everyone", // a person
		"nl.deadbeef",
		"nl.deadbeef 1 2",
		"nl.deadbeef x 2 3",
		"nl.deadbeef 1 2 3x",
		"nl.deadbeef 99999999999999999999 2 3",
	} {
		_, _, _, ok := p.parseText([]byte(text))
		assert.False(t, ok, "%q", text)
	}
}

func TestRecipientsNeverTheSender(t *testing.T) {
	p := recipientPicker{seed: 7, clients: 5}
	counts := make([]int, 5)
	for k := 0; k < 5; k++ {
		for i := 0; i < 1000; i++ {
			to := p.pick(k, i)
			require.NotEqual(t, k, to)
			require.True(t, to >= 0 && to < 5)
			counts[to]++
		}
	}
	for to, n := range counts {
		assert.Greater(t, n, 800, "client %d is chosen about 1000 times", to)
	}
}
