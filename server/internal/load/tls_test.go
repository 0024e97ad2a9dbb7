package load

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/internal/hubtest"
)

// A run with TLS connects every client to the hub's TLS port and gets
// every message through, as a plaintext run does.
func TestRunOverTLS(t *testing.T) {
	const clients, senders, messages = 20, 2, 50
	cfg := hubtest.WithoutFloodLimit(server.DefaultConfig())
	cfg.TLS = &server.TLSConfig{}
	hub := hubtest.Start(t, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{
		Addr: hub.TLSAddr, TLS: true, Clients: clients, Senders: senders, Messages: messages, Size: 64,
		Receive: ReceiveEpoll, // taken over by goroutines: an event loop cannot decrypt
		Timeout: 90 * time.Second, Logf: t.Logf,
	})
	require.NoError(t, err)
	assert.Equal(t, clients, rep.Registered)
	assert.EqualValues(t, clients*senders*messages, rep.Delivered)
	assert.True(t, rep.OK(), "%+v", rep.Errors)

	// A TLS run against the plaintext port fails in the handshake.
	rep, err = Run(ctx, Config{Addr: hub.Addr, TLS: true, Clients: 1, Timeout: 20 * time.Second})
	require.Error(t, err)
	assert.False(t, rep != nil && rep.OK())
}
