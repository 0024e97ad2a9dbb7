//go:build js

package client

import (
	"context"
	"syscall/js"

	"github.com/natter-chat/natter/core/tftp"
)

// download hands the granted file to the browser, which fetches and saves
// it as it saves any download (and checks nothing, so the ETag it is given
// is what resumes it); the result is the name it was offered under.
func (e httpEngine) download(_ context.Context, _ string, token string, key *[tftp.SealKeySize]byte, _, name string, size int64, _ string, progress func(int64)) (string, error) {
	if key != nil {
		return "", ErrSealedOverHTTP
	}
	doc := js.Global().Get("document")
	a := doc.Call("createElement", "a")
	a.Set("href", e.url(token))
	a.Set("download", name)
	a.Get("style").Set("display", "none")
	doc.Get("body").Call("appendChild", a)
	a.Call("click")
	a.Call("remove")
	progress(size)
	return name, nil
}
