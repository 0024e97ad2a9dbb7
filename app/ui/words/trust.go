package words

import (
	"errors"

	"github.com/natter-chat/natter/core/client"
	"github.com/natter-chat/natter/core/identity"
)

// Security says, for the header, how the session is protected: the hub's
// short code when it is encrypted, for the user to compare with what the
// hub shows.
func Security(s client.Security) string {
	switch {
	case s.TLS && s.FirstContact:
		return "encrypted · new hub, key " + s.HubKey.ShortCode() + " — compare it with the hub's"
	case s.TLS:
		return "encrypted · key " + s.HubKey.ShortCode()
	case s.Plaintext:
		return "not encrypted, as you asked"
	}
	return "not encrypted"
}

// KeyChange is the wording of the warning about a hub whose key changed.
type KeyChange struct {
	Title   string
	Body    string
	Was     string // the key pinned, or named by the link
	Now     string // the key the hub presented
	Trust   string // the button that trusts the new key
	Back    string // the button that goes back without trusting it
	Advice  string
	Failure string // prefix of an error from trusting the key
}

// KeyChanged words the warning about changed.
func KeyChanged(changed *identity.KeyChangedError) KeyChange {
	return KeyChange{
		Title: "This hub's key has changed",
		Body: "The hub at " + hubAt(changed.Addr) + " presented a key other than the one this device knows it by. " +
			"It may be the same hub set up again, or another machine pretending to be it.",
		Was:     "Expected key: " + changed.Pinned.ShortCode(),
		Now:     "Key presented: " + changed.Presented.ShortCode(),
		Advice:  "Ask the hub's owner for the short code it shows now. Trust the new key only if it matches.",
		Trust:   "Trust the new key",
		Back:    "Back",
		Failure: "Cannot trust the new key: ",
	}
}

func hubAt(addr string) string {
	if addr == "" {
		return "this address"
	}
	return addr
}

// trustCause words the causes about trust.
func trustCause(cause client.Cause, err error) string {
	var changed *identity.KeyChangedError
	var noTLS *client.NoTLSError
	switch {
	case cause == client.CauseKeyChanged && errors.As(err, &changed):
		return "The hub's key changed from " + changed.Pinned.ShortCode() + " to " + changed.Presented.ShortCode()
	case cause == client.CauseKeyChanged:
		return "The hub's key changed"
	case errors.As(err, &noTLS) && noTLS.Pinned:
		return "The hub stopped offering encryption; not connecting without it"
	}
	return "The hub does not offer encryption; choose plaintext to join it anyway"
}
