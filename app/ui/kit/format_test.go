package kit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		-1: "?", 0: "0 B", 999: "999 B", 1000: "1.0 KB", 1536: "1.5 KB",
		45_310: "45 KB", 6_291_456: "6.3 MB", 3 << 30: "3.2 GB",
	} {
		assert.Equal(t, want, Bytes(n), n)
	}
}

func TestAgeAndDurations(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, "", Age(now, time.Time{}))
	assert.Equal(t, "just now", Age(now, now.Add(-20*time.Second)))
	assert.Equal(t, "4 min ago", Age(now, now.Add(-4*time.Minute)))
	assert.Equal(t, "3 h ago", Age(now, now.Add(-3*time.Hour)))
	assert.Equal(t, "yesterday", Age(now, now.Add(-30*time.Hour)))
	assert.Equal(t, "5 days ago", Age(now, now.Add(-5*24*time.Hour)))
	assert.Equal(t, "", Remaining(-1))
	assert.Equal(t, "5 s left", Remaining(4200*time.Millisecond))
	assert.Equal(t, "1 h 4 min", Duration(64*time.Minute))
	assert.Equal(t, "", Rate(0))
	assert.Equal(t, "2.0 MB/s", Rate(2e6))
}

func TestClock(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.Local)
	assert.Equal(t, "09:05", Clock(now, time.Date(2026, 11, 26, 9, 5, 0, 0, time.Local)))
	assert.Equal(t, "Tue 23:59", Clock(now, time.Date(2026, 11, 24, 23, 59, 0, 0, time.Local)))
	assert.Equal(t, "2 Nov 08:00", Clock(now, time.Date(2026, 11, 2, 8, 0, 0, 0, time.Local)))
	assert.Equal(t, "", Clock(now, time.Time{}))
}
