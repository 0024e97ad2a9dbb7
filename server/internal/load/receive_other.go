//go:build !linux

package load

import "errors"

const (
	defaultReceiver = ReceiveGoroutines
	epollSupported  = false
)

// newEpollReceiver is not reached: Config.validate refuses ReceiveEpoll
// where there is no epoll.
func newEpollReceiver(*runner, int) (receiver, error) {
	return nil, errors.New("receiver epoll: natterload has it only on Linux; use goroutines")
}
