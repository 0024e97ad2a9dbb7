package main

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/natter-chat/natter/server"
	"github.com/natter-chat/natter/server/internal/hubtest"
	"github.com/natter-chat/natter/server/internal/load"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRefusesNonLoopbackAddress(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-addr", "192.0.2.1:50000", "-clients", "5", "-timeout", "5s"}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "-allow-remote")
	assert.Empty(t, stdout.String())
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-mode", "shout"},
		{"-clients", "0"},
		{"-size", "10"},
		{"-spawn-hub", "natterd", "-hub-pid", "1"},
		{"-receive", "threads"},
		{"-receive", "epoll", "-receivers", "0"},
		{"-spread"}, // without -rate
		{"extra"},
	} {
		var stdout, stderr bytes.Buffer
		assert.Equal(t, 2, run(append(args, "-q"), &stdout, &stderr), "%q", args)
		assert.NotEmpty(t, stderr.String(), "%q", args)
	}
}

func TestJSONReportAgainstHub(t *testing.T) {
	addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))

	var stdout, stderr bytes.Buffer
	code := run([]string{"-addr", addr, "-clients", "10", "-senders", "2", "-messages", "30",
		"-timeout", "60s", "-json", "-q"}, &stdout, &stderr)
	require.Equal(t, 0, code, "stderr: %s", stderr.String())
	var rep map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.EqualValues(t, 10*2*30, rep["delivered"])
	assert.EqualValues(t, 0, rep["lost"])
	assert.EqualValues(t, 10, rep["registered"])
	assert.Positive(t, rep["latency_p50_ns"])
	assert.Equal(t, string(load.DefaultReceiver), rep["receive"])
	assert.Equal(t, false, rep["spread"])
	assert.Empty(t, stderr.String(), "-q")
}

func TestEachReceiverWithSpread(t *testing.T) {
	receivers := []string{"goroutines"}
	if load.DefaultReceiver == load.ReceiveEpoll {
		receivers = append(receivers, "epoll")
	}
	for _, recv := range receivers {
		addr := hubtest.Serve(t, hubtest.WithoutFloodLimit(server.DefaultConfig()))
		var stdout, stderr bytes.Buffer
		code := run([]string{"-addr", addr, "-clients", "8", "-senders", "2", "-messages", "20", "-rate", "500",
			"-spread", "-receive", recv, "-receivers", "2", "-timeout", "60s", "-q"}, &stdout, &stderr)
		require.Equal(t, 0, code, "%s: stderr: %s", recv, stderr.String())
		assert.Contains(t, stdout.String(), "senders spread over the interval", recv)
		assert.Contains(t, stdout.String(), "receive         "+recv, recv)
		assert.Contains(t, stdout.String(), "delivered       320 ", recv)
	}
}
