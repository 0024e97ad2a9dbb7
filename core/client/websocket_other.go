//go:build !js

package client

import (
	"net/http"

	"github.com/coder/websocket"
)

// webSocketOptions sends the Origin of the hub's own page, as a browser
// that opened it would.
func webSocketOptions(addr string) *websocket.DialOptions {
	return &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"http://" + addr}}}
}
