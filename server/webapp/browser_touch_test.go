package webapp_test

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// tap touches the page at x, y and lifts the finger, as a phone's touch
// screen reports a tap.
func tap(ctx context.Context, x, y float64) error {
	if _, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{
		Type: input.DispatchTouchEventTypeTouchStart, TouchPoints: []*input.TouchPoint{{X: x, Y: y}},
	}); err != nil {
		return err
	}
	_, err := chromedp.Call(ctx, input.DispatchTouchEvent, input.DispatchTouchEventParams{
		Type: input.DispatchTouchEventTypeTouchEnd, TouchPoints: []*input.TouchPoint{},
	})
	return err
}

// The tabs of the narrow layout, at the bottom of a 390×844 page.
const tabY = 820

var tabX = map[string]float64{"chat": 49, "people": 146, "files": 243}

// panelDiffers reports whether the panels (the page between the top bar and
// the tabs) of a and b differ in many pixels.
func panelDiffers(a, b image.Image) bool {
	diff := 0
	for y := 60; y < 780; y += 4 {
		for x := 0; x < 390; x += 4 {
			ar, ag, ab, _ := a.At(x, y).RGBA()
			br, bg, bb, _ := b.At(x, y).RGBA()
			if ar != br || ag != bg || ab != bb {
				diff++
			}
		}
	}
	return diff > 100
}

// TestBrowserTabsByTouch uses the app on an emulated phone by touch alone:
// sign-in, the Files tab and a download from it, the People tab, and back
// to Chat to send a message.
func TestBrowserTabsByTouch(t *testing.T) {
	requireBrowserTest(t)
	hub := startNatterd(t)
	shared := randomFile(t, filepath.Join(hub.dir, "report.pdf"), 100_000)
	downloads := t.TempDir()
	desk := dialPeer(t, hub.tcp, "desk")

	ctx := startPhoneBrowser(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateTouch, chromedp.EmulateMobile)))
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
	require.NoError(t, err)

	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(hub.link)))
	eventually(t, "the sign-in screen drawn", func() bool {
		img, _, err := screenshot(ctx)
		return err == nil && isJoinBlue(img, 60, 494)
	})
	require.NoError(t, tap(ctx, 195, 427)) // the nick
	time.Sleep(500 * time.Millisecond)     // a frame to move the focus
	require.NoError(t, typeText(ctx, "thumb"))
	require.NoError(t, tap(ctx, 60, 494)) // Join
	desk.await(t, regexp.MustCompile(`^JOIN \d+ thumb$`))
	time.Sleep(time.Second)
	chat, _, err := screenshot(ctx)
	require.NoError(t, err)

	// Files: its panel replaces the chat, and its download button works.
	require.NoError(t, tap(ctx, tabX["files"], tabY))
	var files image.Image
	eventually(t, "the Files tab shown after a tap", func() bool {
		files, _, err = screenshot(ctx)
		return err == nil && panelDiffers(chat, files)
	})
	saveShot(t, ctx, "web-files-touch.png")
	require.NoError(t, tap(ctx, 357, 107)) // report.pdf's download button
	var got []byte
	eventually(t, "the download started by a tap", func() bool {
		got, err = os.ReadFile(filepath.Join(downloads, "report.pdf"))
		return err == nil && len(got) == len(shared)
	})
	require.True(t, bytes.Equal(shared, got), "the downloaded file differs from the shared one")

	// People: neither the chat nor the files.
	require.NoError(t, tap(ctx, tabX["people"], tabY))
	eventually(t, "the People tab shown after a tap", func() bool {
		people, _, err := screenshot(ctx)
		return err == nil && panelDiffers(chat, people) && panelDiffers(files, people)
	})
	saveShot(t, ctx, "web-people-touch.png")

	// Back to Chat: the composer takes a message, sent by a tap.
	require.NoError(t, tap(ctx, tabX["chat"], tabY))
	eventually(t, "the Chat tab shown after a tap", func() bool {
		img, _, err := screenshot(ctx)
		return err == nil && !panelDiffers(chat, img)
	})
	require.NoError(t, tap(ctx, 235, 768)) // the composer
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, typeText(ctx, "typed on a phone"))
	require.NoError(t, tap(ctx, 362, 767)) // Send
	desk.await(t, regexp.MustCompile(`^MSG \d+ thumb typed on a phone$`))
	saveShot(t, ctx, "web-chat-touch.png")
}
