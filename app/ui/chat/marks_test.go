package chat_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/app/ui/chat"
	"github.com/natter-chat/natter/core/client"
)

func TestDayLabel(t *testing.T) {
	now := time.Date(2026, 12, 2, 0, 30, 0, 0, time.Local)
	assert.Equal(t, "Today", chat.DayLabel(now, now.Add(-20*time.Minute)))
	assert.Equal(t, "Yesterday", chat.DayLabel(now, now.Add(-40*time.Minute)))
	assert.Equal(t, "Monday 30 November", chat.DayLabel(now, time.Date(2026, 11, 30, 23, 59, 0, 0, time.Local)))
	assert.Equal(t, "Wednesday 31 December 2025", chat.DayLabel(now, time.Date(2025, 12, 31, 12, 0, 0, 0, time.Local)))
}

func TestMarksAbove(t *testing.T) {
	day := time.Date(2026, 12, 1, 23, 0, 0, 0, time.Local)
	msgs := []client.Message{
		{Kind: client.Public, Time: day, History: true},
		{Kind: client.System, Time: day.Add(10 * time.Minute)},
		{Kind: client.Public, Time: day.Add(20 * time.Minute), History: true},
		{Kind: client.Public, Time: day.Add(90 * time.Minute)},
		{Kind: client.Public, Time: day.Add(91 * time.Minute)},
	}
	end := chat.EarlierEnd(msgs)
	assert.Equal(t, 2, end)
	var got []chat.Marks
	for i := range msgs {
		got = append(got, chat.MarksAbove(msgs, i, end))
	}
	assert.Equal(t, []chat.Marks{{}, {}, {}, {Earlier: true, Day: true}, {}}, got,
		"one divider, under the last earlier message; a day's rule at midnight")
	assert.Equal(t, -1, chat.EarlierEnd(msgs[3:]))
	assert.Equal(t, chat.Marks{}, chat.MarksAbove(msgs[3:], 1, -1), "no divider without earlier messages")
}
