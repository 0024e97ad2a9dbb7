package lossy

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pair(t *testing.T, cfg Config) (*Conn, *net.UDPConn) {
	t.Helper()
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	b, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	c := New(a, cfg)
	t.Cleanup(func() {
		c.Close()
		b.Close()
	})
	return c, b
}

// deliver sends n numbered packets from b to c and returns what c read.
func deliver(t *testing.T, c *Conn, b *net.UDPConn, n int) []byte {
	for i := 0; i < n; i++ {
		_, err := b.WriteTo([]byte{byte(i)}, c.LocalAddr())
		require.NoError(t, err)
	}
	var got []byte
	buf := make([]byte, 16)
	for range 10 * n {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(100*time.Millisecond)))
		k, _, err := c.ReadFrom(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return got
		}
		require.NoError(t, err)
		got = append(got, buf[:k]...)
	}
	t.Fatal("more packets than sent, even counting duplicates")
	return nil
}

func TestSameSeedSameFate(t *testing.T) {
	cfg := Config{Seed: 42, Drop: 0.3, Duplicate: 0.1}
	c1, b1 := pair(t, cfg)
	c2, b2 := pair(t, cfg)
	got1, got2 := deliver(t, c1, b1, 100), deliver(t, c2, b2, 100)
	assert.Equal(t, got1, got2)
	assert.Equal(t, c1.Counts(), c2.Counts())
	assert.Positive(t, c1.Counts().Dropped)
	assert.Positive(t, c1.Counts().Duplicated)
	assert.Equal(t, 100-c1.Counts().Dropped+c1.Counts().Duplicated, len(got1))
}

func TestDelayReorders(t *testing.T) {
	c, b := pair(t, Config{Seed: 1, Delay: 0.3, MaxDelay: 20 * time.Millisecond})
	got := deliver(t, c, b, 50)
	require.Len(t, got, 50, "delayed packets still arrive")
	sorted := true
	for i := 1; i < len(got); i++ {
		if got[i] < got[i-1] {
			sorted = false
		}
	}
	assert.False(t, sorted, "some packets were overtaken")
}

func TestWriteSideDrops(t *testing.T) {
	c, b := pair(t, Config{Seed: 3, Drop: 1})
	_, err := c.WriteTo([]byte("x"), b.LocalAddr())
	require.NoError(t, err)
	require.NoError(t, b.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, _, err = b.ReadFrom(make([]byte, 4))
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Equal(t, 1, c.Counts().Dropped)
}
