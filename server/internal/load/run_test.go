package load

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/internal/hubtest"
)

func TestRunDeliversEveryMessageOnceInOrder(t *testing.T) {
	const clients, senders, messages = 50, 2, 200
	addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Config{
		Addr: addr, Clients: clients, Senders: senders, Messages: messages, Size: 64,
		Timeout: 90 * time.Second, HubPID: os.Getpid(), Logf: t.Logf,
	}
	rep, err := Run(ctx, cfg)
	require.NoError(t, err)
	require.NotNil(t, rep)

	assert.Equal(t, clients, rep.Registered)
	assert.True(t, rep.Settled, "every client saw every other")
	assert.Positive(t, rep.ConnectTime)
	assert.EqualValues(t, senders*messages, rep.Sent)
	assert.EqualValues(t, clients*senders*messages, rep.Delivered, "every message to every client, the senders included")
	assert.Zero(t, rep.Lost)
	assert.Zero(t, rep.OutOfOrder, "in order per sender")
	assert.Zero(t, rep.Surplus, "no message twice")
	assert.Zero(t, rep.Unsent)
	assert.Zero(t, rep.Dropped, "drops: %v", rep.DropReasons)
	assert.Empty(t, rep.Errors)
	assert.Zero(t, rep.OtherLines)
	assert.True(t, rep.OK())
	assert.Empty(t, rep.Error)
	assert.False(t, rep.TimedOut)

	// Latency: one sample per delivery, ordered percentiles, none zero.
	assert.EqualValues(t, clients*senders*messages, rep.Latency.Count())
	assert.Positive(t, rep.LatencyMin)
	assert.LessOrEqual(t, rep.LatencyMin, rep.LatencyP50)
	assert.LessOrEqual(t, rep.LatencyP50, rep.LatencyP99)
	assert.LessOrEqual(t, rep.LatencyP99, rep.LatencyMax)
	assert.Less(t, rep.LatencyMax, cfg.Timeout)
	assert.Positive(t, rep.DeliveriesPerSec)
	assert.Positive(t, rep.DeliveryTime)

	// The hub runs in this process, so its memory is this process's.
	assert.Positive(t, rep.HubRSSBaseKB)
	assert.Positive(t, rep.HubRSSIdleKB)
	assert.GreaterOrEqual(t, rep.HubRSSPeakKB, rep.HubRSSIdleKB)
}

func TestRunPrivateMessages(t *testing.T) {
	const clients, senders, messages = 20, 3, 100
	addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{
		Addr: addr, Clients: clients, Senders: senders, Messages: messages, Size: 100,
		Mode: Private, Rate: 2000, Timeout: 90 * time.Second, Logf: t.Logf,
	})
	require.NoError(t, err)
	assert.EqualValues(t, senders*messages, rep.Delivered, "each PRIV to its one receiver")
	assert.EqualValues(t, senders*messages, rep.Confirmed, "and echoed to its sender")
	assert.Zero(t, rep.Lost)
	assert.Zero(t, rep.OutOfOrder)
	assert.Zero(t, rep.Dropped)
	assert.True(t, rep.OK())
	assert.LessOrEqual(t, rep.LatencyP50, rep.LatencyP99)
}

func TestRunTimesOutWithPartialReport(t *testing.T) {
	// A hub with its default flood limit refuses most of a fast sender's
	// lines: the run cannot complete, times out, and reports the refusals.
	addr := hubtest.Serve(t, server.DefaultConfig())

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rep, err := Run(ctx, Config{
		Addr: addr, Clients: 3, Senders: 1, Messages: 500, Size: 64,
		Timeout: 3 * time.Second,
	})
	require.ErrorIs(t, err, ErrTimeout)
	require.NotNil(t, rep)
	assert.True(t, rep.TimedOut)
	assert.False(t, rep.OK())
	assert.Positive(t, rep.Delivered, "what arrived before the limit cut in")
	assert.Less(t, rep.Delivered, int64(3*500))
	assert.Positive(t, rep.Errors["429 MSG slow-down"], "errors: %v", rep.Errors)
}
