package words

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/core/client"
)

func TestDroppedAgainSaysWhy(t *testing.T) {
	got := Cause(client.CauseDroppedAgain, &client.ByeError{Reason: "too-slow"})
	assert.Equal(t, "The hub keeps dropping us soon after we join ("+lowerFirst(Reason("too-slow"))+"); waiting longer before each try", got)
	assert.NotContains(t, got, "too-slow", "the reason in words, not the code")
	assert.Contains(t, Cause(client.CauseDroppedAgain, nil), "it gave no reason")
}
