package transfers

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/natter-chat/natter/core/client"
)

func TestStatus(t *testing.T) {
	running := client.Transfer{State: client.TransferRunning, Bytes: 1_500_000, Total: 6_000_000, Rate: 750_000, ETA: 6 * time.Second}
	assert.Equal(t, "1.5 MB of 6.0 MB · 750 KB/s · 6 s left", Status(running))
	assert.Equal(t, "Queued: Waiting for the hub", Status(client.Transfer{State: client.TransferQueued, Reason: client.XferWaitHub}))
	assert.Equal(t, "Failed: The hub does not share a file with that name",
		Status(client.Transfer{State: client.TransferFailed, Reason: client.XferRefused, Err: &client.HubError{Code: 404, Keyword: "GET", Reason: "no-such-file"}}))
	assert.Equal(t, "Uploaded · 12 B", Status(client.Transfer{State: client.TransferDone, Direction: client.Upload, Total: 12}))
	assert.Equal(t, "3 B", Status(client.Transfer{State: client.TransferRunning, Bytes: 3, Total: -1, ETA: -1}))
}

func TestRetryOnlyWhatCanBeReadAgain(t *testing.T) {
	assert.True(t, canRetry(client.Transfer{Direction: client.Download, State: client.TransferFailed}))
	assert.True(t, canRetry(client.Transfer{Direction: client.Upload, State: client.TransferCancelled, Path: "/tmp/a"}))
	assert.False(t, canRetry(client.Transfer{Direction: client.Upload, State: client.TransferFailed}), "a picked stream is gone")
	assert.False(t, canRetry(client.Transfer{Direction: client.Download, State: client.TransferDone}))
}

func TestRowShowsTheNameADownloadWasSavedUnder(t *testing.T) {
	renamed := client.Transfer{Name: "big.bin", Direction: client.Download, State: client.TransferDone, Total: 2_000_000, Path: "/home/a/Downloads/big (1).bin"}
	assert.Equal(t, "big (1).bin", RowName(renamed))
	assert.Equal(t, "Downloaded · 2.0 MB · big.bin was already in the folder", Status(renamed))
	same := renamed
	same.Path = "/home/a/Downloads/big.bin"
	assert.Equal(t, "big.bin", RowName(same))
	assert.Equal(t, "Downloaded · 2.0 MB", Status(same))
	running := client.Transfer{Name: "big.bin", Direction: client.Download, State: client.TransferRunning, Total: 10, ETA: -1}
	assert.Equal(t, "big.bin", RowName(running), "the name is known once the download is placed")
}
