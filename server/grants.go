package server

import (
	"context"
	"net/netip"
)

// Transfers grants file transfers asked for with GET and PUT. The transfer
// itself runs over UDP and is the implementation's business; it enforces
// Config.MaxTransfers and MaxTransfersPerClient. An error that is a
// *proto.Error is sent to the client as it is (with the request's keyword);
// any other error is logged and answered with ERR 409 <keyword> busy.
//
// The methods are called from the requesting session's goroutine; they may
// block (for instance to hash a file), delaying only that session.
type Transfers interface {
	GrantGet(ctx context.Context, req GetRequest) (GetGrant, error)
	GrantPut(ctx context.Context, req PutRequest) (PutGrant, error)
}

// Requester identifies the session asking for a transfer.
type Requester struct {
	SessionID uint64     // unique for the hub's lifetime
	Nick      string     // the session's nick
	Addr      netip.Addr // IP address of the session; tokens are good only from it
}

// GetRequest is a GET for a file that exists in the shared folder.
type GetRequest struct {
	Requester
	File FileInfo // SHA256 is "" while the hash is not known yet; see Hub.SharedFile
}

// GetGrant is the hub's answer to a GET: `GET <token> <udp-port> <size> <sha256> <name…>`.
type GetGrant struct {
	Token  string
	Port   int
	Size   int64
	SHA256 string
	Name   string
}

// PutRequest is a PUT with a valid name, size and SHA-256.
type PutRequest struct {
	Requester
	Name   string
	Size   int64
	SHA256 string
}

// PutGrant is the hub's answer to a PUT: `PUT <token> <udp-port> <stored-name…>`.
type PutGrant struct {
	Token      string
	Port       int
	StoredName string
}
