package kit

import (
	"fmt"
	"time"
)

// Bytes formats a size for people: "0 B", "912 B", "1.4 KB", "23 MB".
// Negative sizes are unknown and format as "?".
func Bytes(n int64) string {
	if n < 0 {
		return "?"
	}
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, suffix := range []string{"KB", "MB", "GB", "TB"} {
		v /= unit
		if v < unit || suffix == "TB" {
			if v < 10 {
				return fmt.Sprintf("%.1f %s", v, suffix)
			}
			return fmt.Sprintf("%.0f %s", v, suffix)
		}
	}
	return fmt.Sprintf("%d B", n)
}

// Rate formats a speed in bytes per second; zero or less is "".
func Rate(bps float64) string {
	if bps <= 0 {
		return ""
	}
	return Bytes(int64(bps)) + "/s"
}

// Remaining formats an estimated time left: "5 s left", "2 min left",
// "1 h 4 min left"; a negative duration (unknown) is "".
func Remaining(d time.Duration) string {
	if d < 0 {
		return ""
	}
	return Duration(d) + " left"
}

// Duration formats d roughly: "5 s", "2 min", "1 h 4 min".
func Duration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d/time.Minute))
	default:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
}

// Age says how long ago t was, relative to now: "just now", "4 min ago",
// "3 h ago", "2 days ago", or the date for anything older than a month.
// A zero t is "".
func Age(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	case d < 48*time.Hour:
		return "yesterday"
	case d < 31*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
	return t.Local().Format("2 Jan 2006")
}

// Clock formats a message time in local time: "15:04" for today, with
// the weekday within the last week ("Mon 15:04"), with the date before
// that ("2 Jan 15:04"). A zero now means t is taken as today's.
func Clock(now, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	if now.IsZero() {
		return t.Format("15:04")
	}
	now = now.Local()
	y1, m1, d1 := now.Date()
	y2, m2, d2 := t.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case now.Sub(t) < 6*24*time.Hour:
		return t.Format("Mon 15:04")
	}
	return t.Format("2 Jan 15:04")
}
