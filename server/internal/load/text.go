package load

import (
	"bytes"
	"strconv"

	"github.com/natter-chat/natter/core/proto"
)

// A load message carries its own bookkeeping in its text, so that every
// receiver can measure latency and check order without asking anyone:
//
//	nl.<run> <sender> <seq> <send-ns> xxxx…
//
// <run> tells this run's messages from anything else on the hub (history, a
// previous run, real users), <sender> is the sending client's index, <seq>
// counts that sender's messages from 0 and <send-ns> is the time of sending
// in nanoseconds on the tool's monotonic clock. Padding brings the text to
// the size asked for. The text has no backslash, so it crosses the hub
// unescaped.

// MinSize is the smallest text size that always holds the bookkeeping
// fields: run tag, sender and sequence numbers up to 10 digits, a send time
// up to 15 digits (11 days) and the spaces between them.
const MinSize = 49

// MaxSize is the largest text size: a PRIV line with the longest nick must
// still fit in natter/1's 8192-byte client line.
const MaxSize = proto.MaxLineLen - len(proto.KwPriv+" ") - 4*proto.MaxNickLen - len(" \n")

// payload encodes and decodes the text of one run's messages.
type payload struct {
	tag  []byte // "nl.<run> "
	size int
}

func newPayload(run uint32, size int) payload {
	tag := []byte("nl.")
	tag = strconv.AppendUint(tag, uint64(run), 16)
	tag = append(tag, ' ')
	return payload{tag: tag, size: size}
}

// appendText appends the text of message seq of sender, sent at sendNs.
func (p payload) appendText(dst []byte, sender, seq int, sendNs int64) []byte {
	start := len(dst)
	dst = append(dst, p.tag...)
	dst = strconv.AppendInt(dst, int64(sender), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, int64(seq), 10)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, sendNs, 10)
	if n := len(dst) - start; n < p.size {
		dst = append(dst, ' ')
		for n++; n < p.size; n++ {
			dst = append(dst, 'x')
		}
	}
	return dst
}

// parseText decodes the fields of a text from appendText. ok is false for
// any other text, including another run's. Only the first bytes are
// examined, so a text cut short after its fields still parses.
func (p payload) parseText(text []byte) (sender, seq int, sendNs int64, ok bool) {
	if !bytes.HasPrefix(text, p.tag) {
		return 0, 0, 0, false
	}
	rest := text[len(p.tag):]
	var s, q, t uint64
	if s, rest, ok = parseUint(rest, ' '); !ok {
		return 0, 0, 0, false
	}
	if q, rest, ok = parseUint(rest, ' '); !ok {
		return 0, 0, 0, false
	}
	if t, _, ok = parseUint(rest, ' '); !ok {
		return 0, 0, 0, false
	}
	if s > 1<<31 || q > 1<<62 || t > 1<<62 {
		return 0, 0, 0, false
	}
	return int(s), int(q), int64(t), true
}

// parseUint reads the decimal number at the start of b, which ends at sep,
// at the end of b or at a line end; rest follows the separator.
func parseUint(b []byte, sep byte) (v uint64, rest []byte, ok bool) {
	i := 0
	for ; i < len(b) && i < 19; i++ {
		c := b[i]
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + uint64(c-'0')
	}
	if i == 0 {
		return 0, b, false
	}
	switch {
	case i == len(b):
		return v, b[i:], true
	case b[i] == sep:
		return v, b[i+1:], true
	case b[i] == '\r' || b[i] == '\n':
		return v, b[i:], true
	}
	return 0, b, false
}

// skipField returns what follows the first space in b; ok is false when there
// is no space.
func skipField(b []byte) (rest []byte, field []byte, ok bool) {
	i := bytes.IndexByte(b, ' ')
	if i < 0 {
		return b, nil, false
	}
	return b[i+1:], b[:i], true
}
