package main

import (
	"context"
	"errors"
	"io"

	"gioui.org/app"
	"gioui.org/x/explorer"

	"github.com/natter-chat/natter/app/ui"
	"github.com/natter-chat/natter/core/client"
)

// connector starts the real client core for the UI; every change of the
// client's state asks w for a frame, until the client has stopped.
func connector(w *app.Window) ui.Connector {
	return func(ctx context.Context, cc client.Config) (ui.Session, error) {
		c, err := client.New(cc)
		if err != nil {
			return nil, err
		}
		if err := c.Start(ctx); err != nil {
			return nil, err
		}
		go func() {
			for {
				select {
				case <-c.Changed():
					w.Invalidate()
				case <-c.Done():
					w.Invalidate()
					return
				}
			}
		}()
		return c, nil
	}
}

// filePicker opens the platform's file picker through expl.
func filePicker(expl *explorer.Explorer) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		rc, err := expl.ChooseFile()
		if errors.Is(err, explorer.ErrUserDecline) {
			return nil, ui.ErrNoFileChosen
		}
		return rc, err
	}
}
