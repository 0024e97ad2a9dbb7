package webapp_test

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/page"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

func TestBrowserJoinsHub(t *testing.T) {
	requireBrowserTest(t)
	hub := startNatterd(t)
	shared := randomFile(t, filepath.Join(hub.dir, "report.pdf"), 300_000)
	downloads := t.TempDir()
	desk := dialPeer(t, hub.tcp, "desk")

	ctx := startPhoneBrowser(t)
	var frames wsFrames
	_, err := chromedp.Call(ctx, network.Enable, network.EnableParams{})
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	require.NoError(t, frames.listen(ctx))

	start := time.Now()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(hub.link)))
	eventually(t, "the sign-in screen drawn", func() bool {
		img, _, err := screenshot(ctx)
		if err != nil {
			t.Logf("screenshot: %v", err)
			return false
		}
		return isJoinBlue(img, 60, 494)
	})
	t.Logf("page to first frame of the sign-in screen: %v", time.Since(start).Round(time.Millisecond))
	saveShot(t, ctx, "web-login-narrow.png")

	require.NoError(t, click(ctx, 195, 427))
	time.Sleep(500 * time.Millisecond) // a frame to move the focus
	require.NoError(t, typeText(ctx, "phone"))
	require.NoError(t, click(ctx, 60, 494)) // Join
	desk.await(t, regexp.MustCompile(`^JOIN \d+ phone$`))

	// The composer, at the bottom of the narrow layout.
	require.NoError(t, click(ctx, 235, 768))
	time.Sleep(500 * time.Millisecond) // a frame to move the focus
	require.NoError(t, typeText(ctx, "hello from the browser"))
	require.NoError(t, click(ctx, 362, 767)) // Send
	desk.await(t, regexp.MustCompile(`^MSG \d+ phone hello from the browser$`))
	desk.send(t, "MSG hello browser, from the desk")
	eventually(t, "the browser receives the desk's message", func() bool {
		return frames.has(regexp.MustCompile(`^MSG \d+ desk hello browser, from the desk$`))
	})
	saveShot(t, ctx, "web-chat-narrow.png")
	// The top bar's share button shows the join link and its QR code, for
	// the next phone; a second click hides them.
	require.NoError(t, click(ctx, 293, 23))
	time.Sleep(500 * time.Millisecond)
	saveShot(t, ctx, "web-join-narrow.png")
	require.NoError(t, click(ctx, 293, 23))
	time.Sleep(500 * time.Millisecond)

	// The Files tab, then the file's download button.
	_, err = chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads})
	require.NoError(t, err)
	require.NoError(t, click(ctx, 243, 820))
	time.Sleep(time.Second)
	saveShot(t, ctx, "web-files-narrow.png")
	require.NoError(t, click(ctx, 357, 107)) // report.pdf's download button
	var got []byte
	eventually(t, "the download saved by the browser", func() bool {
		got, err = os.ReadFile(filepath.Join(downloads, "report.pdf"))
		return err == nil && len(got) == len(shared)
	})
	require.True(t, bytes.Equal(shared, got), "the downloaded file differs from the shared one")

	// An upload: the Files tab's upload button opens the page's file
	// chooser, which the test answers through DevTools.
	upload := filepath.Join(t.TempDir(), "from the phone.txt")
	sent := randomFile(t, upload, 150_000)
	_, err = chromedp.Call(ctx, page.SetInterceptFileChooserDialog, page.SetInterceptFileChooserDialogParams{Enabled: true})
	require.NoError(t, err)
	chooserErr := make(chan error, 1)
	require.NoError(t, chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*page.EventFileChooserOpened); ok {
			go func() {
				_, err := chromedp.Call(ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: []string{upload}, BackendNodeID: e.BackendNodeID})
				chooserErr <- err
			}()
		}
	}))
	require.NoError(t, click(ctx, 243, 820)) // Files
	time.Sleep(500 * time.Millisecond)
	require.NoError(t, click(ctx, 332, 67)) // upload
	select {
	case err := <-chooserErr:
		require.NoError(t, err)
	case <-time.After(guard):
		t.Fatal("the page opened no file chooser")
	}
	desk.await(t, regexp.MustCompile(`^SHARED \d+ phone 150000 [0-9a-f]{64} from the phone\.txt$`))
	desk.send(t, "FILES")
	desk.await(t, regexp.MustCompile(`^FILE 150000 [0-9a-f]{64} \d+ from the phone\.txt$`))
	stored, err := os.ReadFile(filepath.Join(hub.dir, "from the phone.txt"))
	require.NoError(t, err)
	require.True(t, bytes.Equal(sent, stored), "the uploaded file differs from the one chosen")
	saveShot(t, ctx, "web-transfers-narrow.png")

	// The wide layout: panels side by side.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)))
	require.NoError(t, click(ctx, 640, 300)) // the empty log: a frame at the new size
	time.Sleep(time.Second)
	saveShot(t, ctx, "web-chat-wide.png")
}
