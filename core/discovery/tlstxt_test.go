package discovery

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testFingerprint = "XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ"

// A hub with a TLS port announces it, and its key's fingerprint, in its TXT
// record; a hub without TLS leaves both keys out.
func TestServiceTXTCarriesTLS(t *testing.T) {
	with := newService(Info{Name: "TLS hub", TCPPort: 50000, UDPPort: 50000, TLSPort: 50001, Fingerprint: testFingerprint}, "h")
	assert.Equal(t, []string{"proto=natter/1", "udp=50000", "users=0", "tls=50001", "fp=" + testFingerprint}, with.txt)
	without := newService(Info{Name: "Plain hub", TCPPort: 50000, UDPPort: 50000}, "h")
	assert.Equal(t, []string{"proto=natter/1", "udp=50000", "users=0"}, without.txt)

	bad := Info{Name: "Bad", TCPPort: 1, UDPPort: 1, Fingerprint: "a=b"}
	require.Error(t, bad.validate())
	bad = Info{Name: "Bad", TCPPort: 1, UDPPort: 1, TLSPort: 70000}
	require.Error(t, bad.validate())
}
