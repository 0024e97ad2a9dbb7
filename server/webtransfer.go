package server

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"
)

// The HTTP transfers of natter/1 section 11: GET and PUT /t/<token> redeem
// the same tokens as TFTP requests, from the same address, once, within
// their time; an upload is checked, stored and announced by the same code
// as one over TFTP.

// tokenStatus is the HTTP status for a token that may not be used.
func tokenStatus(err error) int {
	switch err {
	case errTokenExpired:
		return http.StatusGone
	case errTokenOtherAddr:
		return http.StatusForbidden
	case errTokenForUpload, errTokenForDownload:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

// redeemHTTP takes the grant of the request's token, or answers why not
// and returns nil.
func (w *webPart) redeemHTTP(rw http.ResponseWriter, r *http.Request, put bool) *grant {
	if w.transfers == nil {
		http.Error(rw, "file transfers are disabled on this hub", http.StatusServiceUnavailable)
		return nil
	}
	token := r.PathValue("token")
	peer := peerAddr(r.RemoteAddr)
	g, err := w.transfers.redeem(token, peer, put)
	if err != nil {
		w.log.Info("refusing an HTTP transfer", "remote", r.RemoteAddr, "method", r.Method, "err", err)
		http.Error(rw, err.Error(), tokenStatus(err))
		return nil
	}
	if g == nil {
		http.Error(rw, "unknown or used token; ask the hub with GET or PUT", http.StatusNotFound)
		return nil
	}
	if g.sealKey != nil {
		// A TLS session's grant: HTTP would carry its data in the clear.
		w.transfers.release(g)
		w.log.Info("refusing a sealed grant over HTTP", "remote", r.RemoteAddr, "method", r.Method)
		http.Error(rw, "this token belongs to an encrypted session: its transfer is sealed (TFTP with natter-seal), never over HTTP", http.StatusForbidden)
		return nil
	}
	return g
}

func peerAddr(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// serveDownload serves a granted download, with Range for resume and the
// file's SHA-256 as its ETag.
func (w *webPart) serveDownload(rw http.ResponseWriter, r *http.Request) {
	g := w.redeemHTTP(rw, r, false)
	if g == nil {
		return
	}
	ts := w.transfers
	defer ts.release(g)
	f, err := ts.openGrantedFile(g)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusNotFound)
		return
	}
	defer f.Close()
	h := rw.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(g.name))
	h.Set("ETag", `"`+g.sha256+`"`)
	h.Set("Cache-Control", "no-store")
	http.ServeContent(rw, r, "", time.UnixMilli(g.mtime), io.NewSectionReader(f, 0, g.size))
}

// serveUpload stores a granted upload: 201 with the stored name, 413 when
// the body is longer than the PUT declared, 422 when it does not match the
// PUT's size and SHA-256, 507 when the disk is full. Whatever fails, nothing
// is stored.
func (w *webPart) serveUpload(rw http.ResponseWriter, r *http.Request) {
	g := w.redeemHTTP(rw, r, true)
	if g == nil {
		return
	}
	ts := w.transfers
	if r.ContentLength > g.size {
		ts.release(g)
		http.Error(rw, fmt.Sprintf("the body has %d bytes; PUT declared %d", r.ContentLength, g.size), http.StatusRequestEntityTooLarge)
		return
	}
	u, err := ts.startUpload(g)
	if err != nil {
		ts.release(g)
		status := http.StatusInternalServerError
		if isNoSpace(err) {
			status = http.StatusInsufficientStorage
		}
		http.Error(rw, fmt.Sprintf("cannot store the upload: %v", err), status)
		return
	}
	sum := sha256.New()
	// One byte more than granted tells a body that is too long.
	n, err := io.Copy(io.MultiWriter(u, sum), io.LimitReader(r.Body, g.size+1))
	if err != nil {
		u.Abort(err)
		status, what := http.StatusBadRequest, fmt.Sprintf("the upload was cut short after %d of %d bytes (%v); nothing was stored", n, g.size, err)
		if isNoSpace(err) {
			status, what = http.StatusInsufficientStorage, "the hub's disk is full; nothing was stored"
		}
		http.Error(rw, what, status)
		return
	}
	var digest [sha256.Size]byte
	sum.Sum(digest[:0])
	overflow := n > g.size
	mismatch := n != g.size || hex.EncodeToString(digest[:]) != g.sha256
	stored, err := u.commit(n, digest)
	switch {
	case overflow:
		http.Error(rw, fmt.Sprintf("the body is longer than the %d bytes PUT declared; nothing was stored", g.size), http.StatusRequestEntityTooLarge)
	case mismatch:
		http.Error(rw, fmt.Sprintf("checksum-mismatch: received %d bytes with SHA-256 %x, PUT declared %d bytes with %s; nothing was stored", n, digest, g.size, g.sha256), http.StatusUnprocessableEntity)
	case err != nil && isNoSpace(err):
		http.Error(rw, "the hub's disk is full; nothing was stored", http.StatusInsufficientStorage)
	case err != nil:
		http.Error(rw, fmt.Sprintf("cannot store the upload: %v", err), http.StatusInternalServerError)
	default:
		rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
		rw.Header().Set("Content-Length", strconv.Itoa(len(stored)+1))
		rw.WriteHeader(http.StatusCreated)
		io.WriteString(rw, stored+"\n")
	}
}
