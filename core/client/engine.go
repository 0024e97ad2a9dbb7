package client

import (
	"context"
	"io"

	"github.com/natter-chat/natter/core/tftp"
)

// tftpEngine moves file data with Natter's TFTP profile.
type tftpEngine struct{}

func transferOptions(key *[tftp.SealKeySize]byte, progress func(int64)) *tftp.ClientOptions {
	return &tftp.ClientOptions{Config: tftp.Config{Progress: func(p tftp.Progress) { progress(p.Done) }}, SealKey: key}
}

func (tftpEngine) download(ctx context.Context, addr, token string, key *[tftp.SealKeySize]byte, dir, name string, size int64, sha string, progress func(int64)) (string, error) {
	return tftp.Fetch(ctx, tftp.FileDownload{Addr: addr, Token: token, Name: name, Size: size, SHA256: sha, Dir: dir, Options: transferOptions(key, progress)})
}

func (tftpEngine) upload(ctx context.Context, addr, token string, key *[tftp.SealKeySize]byte, r io.Reader, size int64, progress func(int64)) error {
	_, err := tftp.Upload(ctx, addr, token, size, r, transferOptions(key, progress))
	return err
}
