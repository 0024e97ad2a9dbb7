package identity

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFingerprintMatchesOpenSSL has openssl s_client fetch the hub's
// certificate over TLS 1.3 and compute the SHA-256 of its
// SubjectPublicKeyInfo, an independent check of what Fingerprint covers.
func TestFingerprintMatchesOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	hub := newHub(t)
	addr, seen := serveOne(t, hub)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	sClient := exec.CommandContext(ctx, "openssl", "s_client", "-connect", addr, "-tls1_3", "-showcerts")
	sClient.Stdin = bytes.NewReader(nil)
	certText, err := sClient.Output()
	require.NoError(t, err)
	<-seen

	pubkey := exec.CommandContext(ctx, "openssl", "x509", "-noout", "-pubkey")
	pubkey.Stdin = bytes.NewReader(certText)
	pubPEM, err := pubkey.Output()
	require.NoError(t, err)
	der := exec.CommandContext(ctx, "openssl", "pkey", "-pubin", "-outform", "DER")
	der.Stdin = bytes.NewReader(pubPEM)
	spki, err := der.Output()
	require.NoError(t, err)

	assert.Equal(t, Fingerprint(sha256.Sum256(spki)), hub.Fingerprint())
}

func TestOnlyTLS13(t *testing.T) {
	hub := newHub(t)
	addr, seen := serveOne(t, hub)
	old := ClientConfig(nil, ExpectFingerprint(hub.Fingerprint()))
	old.MinVersion, old.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	_, err := dial(t, addr, old)
	assert.Error(t, err, "the hub refuses TLS 1.2")
	assert.Error(t, (<-seen).err)

	// A server that offers only TLS 1.2 is refused by the client.
	cfg := HubConfig(hub)
	cfg.MinVersion, cfg.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	require.NoError(t, err)
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	_, err = dial(t, ln.Addr().String(), ClientConfig(nil, ExpectFingerprint(hub.Fingerprint())))
	assert.Error(t, err, "the client refuses TLS 1.2")
}
