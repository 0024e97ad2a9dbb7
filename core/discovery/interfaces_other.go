//go:build !android

package discovery

import (
	"fmt"
	"net"
)

func systemInterfaces() ([]Interface, error) {
	nifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("discovery: listing interfaces: %w", err)
	}
	return fromNet(nifs), nil
}
