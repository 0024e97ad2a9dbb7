package proto

import (
	"bufio"
	"errors"
	"io"
)

// retainLimit is the largest line buffer a Reader keeps between lines; a
// longer one is let go so that an idle session does not hold on to it.
const retainLimit = 1024

// Reader reads natter/1 lines from a bufio.Reader, in the manner of
// net/textproto.Reader. A line may be longer than the bufio.Reader's buffer
// (up to the limit); a line over the limit is discarded as it is read, so
// that no buffer grows beyond the limit.
//
// ReadLine may be called again after a timeout error from the underlying
// connection: a partly read line is kept and completed by the next call.
type Reader struct {
	r   *bufio.Reader
	max int

	buf     []byte // the current line, when it spans several reads
	n       int    // bytes of the current line read so far, terminator included
	discard bool   // the current line is over the limit and being skipped
}

// NewReader returns a Reader of lines of at most max bytes, terminator
// included ([MaxLineLen] for lines from a client, [MaxHubLineLen] for lines
// from a hub).
func NewReader(r *bufio.Reader, max int) *Reader {
	return &Reader{r: r, max: max}
}

// ReadLine returns the next line without its LF and without a CR just before
// the LF. The slice is valid until the next call.
//
// A line longer than the limit yields [ErrLineTooLong]; the line has been
// discarded and the next call reads the line after it. End of input inside a
// line yields [io.ErrUnexpectedEOF] and the partial line is dropped; end of
// input between lines yields [io.EOF]. Other errors come from the underlying
// reader.
func (r *Reader) ReadLine() ([]byte, error) {
	if cap(r.buf) > retainLimit && r.n == 0 {
		r.buf = nil
	}
	for {
		frag, err := r.r.ReadSlice('\n')
		r.n += len(frag)
		complete := err == nil
		if !r.discard && (r.n > r.max || !complete && r.n >= r.max) {
			// Over the limit already, or about to be once the LF comes.
			r.discard = true
			r.buf = r.buf[:0]
		}
		switch {
		case complete && r.discard:
			r.reset()
			return nil, ErrLineTooLong
		case complete:
			line := frag
			if len(r.buf) > 0 {
				r.buf = append(r.buf, frag...)
				line = r.buf
			}
			r.reset()
			line = line[:len(line)-1]
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			return line, nil
		case !r.discard:
			r.buf = append(r.buf, frag...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && r.n > 0 {
			r.reset()
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
}

// reset prepares for the next line, keeping a small buffer for reuse.
func (r *Reader) reset() {
	r.n = 0
	r.discard = false
	r.buf = r.buf[:0]
}
