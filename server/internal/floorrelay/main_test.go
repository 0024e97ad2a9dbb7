package main

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/server/internal/load"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// natterload can measure the relay, as bench-hub.sh does: every message
// reaches everyone, in order, publicly and privately.
func TestRelayUnderLoad(t *testing.T) {
	for _, mode := range []load.Mode{load.Broadcast, load.Private} {
		t.Run(string(mode), func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			ctx, cancel := context.WithCancel(context.Background())
			served := make(chan error, 1)
			go func() { served <- serve(ctx, ln) }()
			defer func() {
				cancel()
				select {
				case err := <-served:
					assert.NoError(t, err)
				case <-time.After(30 * time.Second):
					t.Error("the relay did not stop")
				}
			}()

			rep, err := load.Run(context.Background(), load.Config{
				Addr: ln.Addr().String(), Mode: mode, Clients: 40, Senders: 3, Messages: 50, Size: 64,
				SettleTimeout: time.Millisecond, Timeout: 60 * time.Second,
			})
			require.NoError(t, err)
			assert.Equal(t, 40, rep.Registered)
			assert.Zero(t, rep.Lost)
			assert.Zero(t, rep.OutOfOrder)
			assert.Zero(t, rep.Dropped)
			want := int64(3 * 50 * 40) // the senders get their own messages too
			if mode == load.Private {
				want = 3 * 50
			}
			assert.Equal(t, want, rep.Delivered)
		})
	}
}

func TestOnlyLoopback(t *testing.T) {
	err := run("192.0.2.1:50000")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not a loopback address")
}
