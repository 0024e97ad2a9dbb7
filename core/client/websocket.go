package client

import (
	"context"
	"fmt"
	"net"

	"github.com/coder/websocket"

	"github.com/natter-chat/natter/core/wsline"
)

// DialWebSocket is a Config.Dial that carries the session over a WebSocket
// to the hub's web part at addr (host:port, the port of CAPS web=<port>),
// as natter/1 section 11 has it: one text message is one line. It is how
// the app joins from a browser, where there are no sockets; elsewhere it
// sends the Origin of the hub's own page, which the hub requires (in a
// browser the browser sets it).
func DialWebSocket(ctx context.Context, addr string) (net.Conn, error) {
	ws, resp, err := websocket.Dial(ctx, "ws://"+addr+"/natter", webSocketOptions(addr))
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("client: WebSocket to %s refused with %s: %w", addr, resp.Status, err)
		}
		return nil, fmt.Errorf("client: WebSocket to %s: %w", addr, err)
	}
	return wsline.NewConn(ws, nil, wsRemote(addr)), nil
}

// wsRemote is the address of the hub a WebSocket reached.
type wsRemote string

func (a wsRemote) Network() string { return "websocket" }
func (a wsRemote) String() string  { return string(a) }
