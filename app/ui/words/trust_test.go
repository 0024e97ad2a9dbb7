package words

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
)

func TestSecurityWords(t *testing.T) {
	key := identity.Fingerprint{0xAB, 0xCD}
	assert.Equal(t, "encrypted · key "+key.ShortCode(), Security(client.Security{TLS: true, HubKey: key}))
	assert.Contains(t, Security(client.Security{TLS: true, HubKey: key, FirstContact: true}), key.ShortCode())
	assert.Contains(t, Security(client.Security{TLS: true, HubKey: key, FirstContact: true}), "new hub")
	assert.Equal(t, "not encrypted, as you asked", Security(client.Security{Plaintext: true}))
	assert.Equal(t, "not encrypted", Security(client.Security{}))
}

func TestTrustCauses(t *testing.T) {
	changed := &identity.KeyChangedError{Pinned: identity.Fingerprint{1}, Presented: identity.Fingerprint{2}}
	got := Cause(client.CauseKeyChanged, changed)
	assert.Contains(t, got, changed.Pinned.ShortCode())
	assert.Contains(t, got, changed.Presented.ShortCode())
	assert.Equal(t, "The hub stopped offering encryption; not connecting without it",
		Cause(client.CauseNoTLS, &client.NoTLSError{Addr: "h:1", Pinned: true}))
	assert.Contains(t, Cause(client.CauseNoTLS, &client.NoTLSError{Addr: "h:1"}), "plaintext")
	kc := KeyChanged(changed)
	assert.Equal(t, "Expected key: "+changed.Pinned.ShortCode(), kc.Was)
	assert.Equal(t, "Key presented: "+changed.Presented.ShortCode(), kc.Now)
}
