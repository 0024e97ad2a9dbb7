//go:build js

package client

import "github.com/coder/websocket"

// webSocketOptions has nothing to add: the browser sends the Origin.
func webSocketOptions(string) *websocket.DialOptions { return nil }
