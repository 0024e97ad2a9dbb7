//go:build js

package main

import (
	"errors"
	"fmt"
	"io"
	"syscall/js"

	"github.com/natter-chat/natter/app/ui"
)

// pickBrowserFile asks the browser for a file with an <input type=file>.
// gioui.org/x/explorer does the same, but its reader cannot say the file's
// name or size, nor seek; the upload needs all three (it hashes the file,
// then sends it), and a browser can read any part of a File at any time.
func pickBrowserFile() (io.ReadCloser, error) {
	doc := js.Global().Get("document")
	input := doc.Call("createElement", "input")
	input.Set("type", "file")
	input.Get("style").Set("display", "none")
	chosen := make(chan js.Value, 1)
	var onChange, onCancel js.Func
	onChange = js.FuncOf(func(js.Value, []js.Value) any {
		files := input.Get("files")
		if files.Length() > 0 {
			chosen <- files.Index(0)
		} else {
			chosen <- js.Null()
		}
		return nil
	})
	onCancel = js.FuncOf(func(js.Value, []js.Value) any {
		chosen <- js.Null()
		return nil
	})
	input.Call("addEventListener", "change", onChange)
	input.Call("addEventListener", "cancel", onCancel)
	doc.Get("body").Call("appendChild", input)
	input.Call("click")
	f := <-chosen
	input.Call("remove")
	onChange.Release()
	onCancel.Release()
	if f.IsNull() {
		return nil, ui.ErrNoFileChosen
	}
	return &browserFile{file: f, name: f.Get("name").String(), size: int64(f.Get("size").Float())}, nil
}

// browserFile reads a browser File: a slice at a time, as the browser
// hands it over.
type browserFile struct {
	file js.Value
	name string
	size int64
	off  int64
}

func (f *browserFile) Name() string { return f.name }
func (f *browserFile) Size() int64  { return f.size }
func (f *browserFile) Close() error { return nil }

func (f *browserFile) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, fmt.Errorf("seeking %s: whence %d", f.name, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("seeking %s to %d, before its start", f.name, offset)
	}
	f.off = offset
	return offset, nil
}

func (f *browserFile) Read(p []byte) (int, error) {
	if f.off >= f.size {
		return 0, io.EOF
	}
	end := min(f.off+int64(len(p)), f.size)
	buf, err := await(f.file.Call("slice", f.off, end).Call("arrayBuffer"))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", f.name, err)
	}
	n := js.CopyBytesToGo(p, js.Global().Get("Uint8Array").New(buf))
	f.off += int64(n)
	return n, nil
}

// await waits for a JavaScript promise.
func await(promise js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{err: errors.New(args[0].Call("toString").String())}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	promise.Call("then", ok, fail)
	r := <-done
	return r.v, r.err
}
