package server

import (
	"context"
	"net/netip"
)

// granter grants file transfers asked for with GET and PUT: it is the
// hub's transfer service, or a stand-in in tests. The transfer itself runs
// over UDP and is the granter's business; it enforces Config.MaxTransfers
// and MaxTransfersPerClient. An error that is a *proto.Error is sent to the
// client as it is (with the request's keyword); any other error is logged
// and answered with ERR 409 <keyword> busy.
//
// The methods are called from the requesting session's goroutine; they may
// block (for instance to hash a file), delaying only that session.
type granter interface {
	GrantGet(ctx context.Context, req getRequest) (getGrant, error)
	GrantPut(ctx context.Context, req putRequest) (putGrant, error)
}

// requester identifies the session asking for a transfer.
type requester struct {
	SessionID uint64     // unique for the hub's lifetime
	Nick      string     // the session's nick
	Addr      netip.Addr // IP address of the session; tokens are good only from it
	// TransferKey, set for a TLS session (tlsTransferKeys), derives the
	// key that seals the transfer of each token granted to it.
	TransferKey transferKeyFunc
}

// getRequest is a GET for a file that exists in the shared folder.
type getRequest struct {
	requester
	File FileInfo // SHA256 is "" while the hash is not known yet; see Hub.sharedFile
}

// getGrant is the hub's answer to a GET: `GET <token> <udp-port> <size> <sha256> <name…>`.
type getGrant struct {
	Token  string
	Port   int
	Size   int64
	SHA256 string
	Name   string
}

// putRequest is a PUT with a valid name, size and SHA-256.
type putRequest struct {
	requester
	Name   string
	Size   int64
	SHA256 string
}

// putGrant is the hub's answer to a PUT: `PUT <token> <udp-port> <stored-name…>`.
type putGrant struct {
	Token      string
	Port       int
	StoredName string
}
