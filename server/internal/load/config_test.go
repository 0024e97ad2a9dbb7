package load

import (
	"context"
	"net"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckLoopback(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, addr := range []string{"127.0.0.1:50000", "127.1.2.3:1", "[::1]:50000", ":50000", "localhost:50000"} {
		assert.NoError(t, CheckLoopback(ctx, addr), addr)
	}
	for _, addr := range []string{"192.0.2.1:50000", "10.0.0.1:50000", "[2001:db8::1]:50000", "0.0.0.0:50000"} {
		err := CheckLoopback(ctx, addr)
		require.Error(t, err, addr)
		assert.Contains(t, err.Error(), "-allow-remote", addr)
	}
	assert.ErrorContains(t, CheckLoopback(ctx, "127.0.0.1"), "missing port")
}

func TestRunRefusesNonLoopbackAddress(t *testing.T) {
	// A listener on a non-loopback address would show whether Run dialed:
	// there is none to be had in a test, so a refused address must fail
	// before any dial, quickly and with the flag named.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, addr := range []string{"192.0.2.1:50000", "[2001:db8::1]:50000"} {
		start := time.Now()
		rep, err := Run(ctx, Config{Addr: addr, Clients: 1, Size: 64, Timeout: 5 * time.Second})
		require.Error(t, err, addr)
		assert.Nil(t, rep, "no run, no report")
		assert.Contains(t, err.Error(), "not a loopback address")
		assert.Less(t, time.Since(start), 2*time.Second, "refused without dialing")
	}
}

func TestRunReportsRegistrationFailure(t *testing.T) {
	// A listener that closes every connection: the run dials, fails to
	// register and says why in both the error and the report.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := Run(ctx, Config{Addr: l.Addr().String(), AllowRemote: true, Clients: 2, Size: 64, Timeout: 10 * time.Second})
	require.Error(t, err)
	require.NotNil(t, rep)
	assert.Contains(t, err.Error(), "connection closed before WELCOME")
	assert.False(t, rep.OK())
	assert.Zero(t, rep.Registered)
}

func TestConfigValidate(t *testing.T) {
	good := Config{Addr: "127.0.0.1:1", Clients: 10, Senders: 2, Messages: 5, Size: 64, Timeout: time.Second}
	d := good.withDefaults()
	require.NoError(t, d.validate())
	for name, change := range map[string]func(*Config){
		"clients":     func(c *Config) { c.Clients = 0 },
		"senders":     func(c *Config) { c.Senders = 11 },
		"messages":    func(c *Config) { c.Messages = -1 },
		"size small":  func(c *Config) { c.Size = MinSize - 1 },
		"size large":  func(c *Config) { c.Size = MaxSize + 1 },
		"rate":        func(c *Config) { c.Rate = -1 },
		"timeout":     func(c *Config) { c.Timeout = 0 },
		"mode":        func(c *Config) { c.Mode = "shout" },
		"priv alone":  func(c *Config) { c.Mode = Private; c.Clients = 1; c.Senders = 1 },
		"long prefix": func(c *Config) { c.NickPrefix = "abcdefghijklmnopqrstu" },
		"bad prefix":  func(c *Config) { c.NickPrefix = "1load" },
		"spread":      func(c *Config) { c.Spread = true }, // at full speed
		"receiver":    func(c *Config) { c.Receive = "threads" },
		"receivers":   func(c *Config) { c.Receivers = -1 },
	} {
		c := good
		change(&c)
		c = c.withDefaults()
		assert.Error(t, c.validate(), name)
	}
}

func TestParseReceiver(t *testing.T) {
	for _, want := range []Receiver{ReceiveEpoll, ReceiveGoroutines} {
		got, err := ParseReceiver(string(want))
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := ParseReceiver("threads")
	assert.ErrorContains(t, err, "want epoll or goroutines")

	d := (&Config{}).withDefaults()
	assert.Equal(t, DefaultReceiver, d.Receive)
	assert.Equal(t, runtime.GOMAXPROCS(0), d.Receivers)
	c := Config{Addr: "127.0.0.1:1", Clients: 1, Size: 64, Timeout: time.Second, Receive: ReceiveEpoll}
	c = c.withDefaults()
	if epollSupported {
		assert.NoError(t, c.validate())
	} else {
		assert.ErrorContains(t, c.validate(), "only on Linux")
	}
}

func TestParseMode(t *testing.T) {
	m, err := ParseMode("priv")
	require.NoError(t, err)
	assert.Equal(t, Private, m)
	m, err = ParseMode("msg")
	require.NoError(t, err)
	assert.Equal(t, Broadcast, m)
	_, err = ParseMode("all")
	assert.ErrorContains(t, err, "want msg or priv")
}

func TestReadRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	m, err := ReadRSS(os.Getpid())
	require.NoError(t, err)
	assert.Positive(t, m.RSSKB)
	assert.GreaterOrEqual(t, m.HWMKB, m.RSSKB)

	_, err = ReadRSS(1 << 30)
	assert.ErrorContains(t, err, "reading memory of process")
}

func TestParseKB(t *testing.T) {
	v, err := parseKB([]byte("\t  1234 kB"))
	require.NoError(t, err)
	assert.EqualValues(t, 1234, v)
	for _, bad := range []string{"", "1234", "x kB", "12 MB"} {
		_, err := parseKB([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestReadCPU(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc on this system")
	}
	before, err := ReadCPU(os.Getpid())
	require.NoError(t, err)
	// Burn CPU until the 10 ms clock moves, bounded by a generous guard.
	deadline := time.Now().Add(10 * time.Second)
	after := before
	for after == before && time.Now().Before(deadline) {
		x := 0
		for i := range 10_000_000 {
			x += i
		}
		_ = x
		after, err = ReadCPU(os.Getpid())
		require.NoError(t, err)
	}
	assert.Greater(t, after, before)

	_, err = ReadCPU(1 << 30)
	assert.ErrorContains(t, err, "reading CPU time of process")
}
