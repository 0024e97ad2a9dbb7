package transfers

import (
	"path/filepath"

	"github.com/natter-chat/natter/core/client"
)

// RowName is the name a transfer's row shows: for a finished download,
// the name of the file it made, which is "big (1).bin" when big.bin was
// already in the download folder; else the file's name on the hub.
func RowName(t client.Transfer) string {
	if saved, ok := savedAs(t); ok {
		return saved
	}
	return t.Name
}

// savedAs is the name a finished download was saved under, when that is
// not its name on the hub.
func savedAs(t client.Transfer) (string, bool) {
	if t.Direction != client.Download || t.State != client.TransferDone || t.Path == "" {
		return "", false
	}
	saved := filepath.Base(t.Path)
	return saved, saved != t.Name
}
