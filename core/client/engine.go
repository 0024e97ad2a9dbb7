package client

import (
	"context"
	"io"

	"github.com/natter-chat/natter/core/tftp"
)

// tftpEngine moves file data with Natter's TFTP profile.
type tftpEngine struct{}

func progressOptions(progress func(int64)) *tftp.ClientOptions {
	return &tftp.ClientOptions{Config: tftp.Config{Progress: func(p tftp.Progress) { progress(p.Done) }}}
}

func (tftpEngine) download(ctx context.Context, addr, token, dir, name string, size int64, sha string, progress func(int64)) (string, error) {
	return tftp.Fetch(ctx, tftp.FileDownload{Addr: addr, Token: token, Name: name, Size: size, SHA256: sha, Dir: dir, Options: progressOptions(progress)})
}

func (tftpEngine) upload(ctx context.Context, addr, token string, r io.Reader, size int64, progress func(int64)) error {
	_, err := tftp.Upload(ctx, addr, token, size, r, progressOptions(progress))
	return err
}
