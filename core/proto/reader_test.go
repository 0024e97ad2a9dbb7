package proto

import (
	"bufio"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func readAll(t *testing.T, r *Reader) (lines []string, errs []error) {
	t.Helper()
	for range 1000 {
		line, err := r.ReadLine()
		if err == io.EOF {
			return lines, errs
		}
		if err != nil {
			errs = append(errs, err)
			lines = append(lines, "<err>")
			continue
		}
		lines = append(lines, string(line))
	}
	t.Fatal("reader did not reach EOF")
	return nil, nil
}

func TestReaderLines(t *testing.T) {
	in := "NICK bob\r\nMSG hi\n\nMSG a\rb\r\n"
	r := NewReader(bufio.NewReaderSize(strings.NewReader(in), 16), MaxLineLen)
	lines, errs := readAll(t, r)
	assert.Empty(t, errs)
	assert.Equal(t, []string{"NICK bob", "MSG hi", "", "MSG a\rb"}, lines)
}

func TestReaderLimit(t *testing.T) {
	// Small bufio buffers force lines to span several reads.
	for _, bufSize := range []int{16, 64, 4096, 16384} {
		exact := "MSG " + strings.Repeat("x", MaxLineLen-5) // 8191 bytes + LF = 8192
		exactCRLF := "MSG " + strings.Repeat("y", MaxLineLen-6)
		over := "MSG " + strings.Repeat("z", MaxLineLen-4) // 8192 bytes + LF = 8193
		overCRLF := "MSG " + strings.Repeat("w", MaxLineLen-5)
		huge := strings.Repeat("h", 10*MaxLineLen)
		in := exact + "\n" + over + "\nMSG after\n" + exactCRLF + "\r\n" + overCRLF + "\r\n" + huge + "\nlast\n"
		r := NewReader(bufio.NewReaderSize(strings.NewReader(in), bufSize), MaxLineLen)
		lines, errs := readAll(t, r)
		require.Equal(t, []string{exact, "<err>", "MSG after", exactCRLF, "<err>", "<err>", "last"}, lines, "buffer %d", bufSize)
		for _, err := range errs {
			assert.ErrorIs(t, err, ErrLineTooLong)
		}
		assert.LessOrEqual(t, cap(r.buf), MaxLineLen, "buffer grew beyond the limit")
	}
}

func TestReaderUnexpectedEOF(t *testing.T) {
	r := NewReader(bufio.NewReaderSize(strings.NewReader("MSG ok\nMSG cut"), 16), MaxLineLen)
	line, err := r.ReadLine()
	require.NoError(t, err)
	assert.Equal(t, "MSG ok", string(line))
	_, err = r.ReadLine()
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = r.ReadLine()
	assert.ErrorIs(t, err, io.EOF)
}

// timeoutReader yields its chunks one per Read, with a timeout error between
// them, as a connection whose read deadline passes mid-line does.
type timeoutReader struct {
	chunks  []string
	timeout bool
}

func (tr *timeoutReader) Read(p []byte) (int, error) {
	if len(tr.chunks) == 0 {
		return 0, io.EOF
	}
	if tr.timeout {
		tr.timeout = false
		return 0, os.ErrDeadlineExceeded
	}
	tr.timeout = true
	n := copy(p, tr.chunks[0])
	tr.chunks[0] = tr.chunks[0][n:]
	if tr.chunks[0] == "" {
		tr.chunks = tr.chunks[1:]
	}
	return n, nil
}

func TestReaderResumesAfterTimeout(t *testing.T) {
	long := strings.Repeat("q", 100)
	tr := &timeoutReader{chunks: []string{"MSG he", "llo\nMSG " + long[:50], long[50:] + "\n"}}
	r := NewReader(bufio.NewReaderSize(tr, 16), MaxLineLen)
	var lines []string
	timeouts := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		line, err := r.ReadLine()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			timeouts++
			continue
		}
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		lines = append(lines, string(line))
	}
	assert.Equal(t, []string{"MSG hello", "MSG " + long}, lines)
	assert.Positive(t, timeouts)
}

func TestReaderReleasesLongBuffer(t *testing.T) {
	long := strings.Repeat("a", 4000)
	r := NewReader(bufio.NewReaderSize(strings.NewReader(long+"\nshort\n"), 16), MaxLineLen)
	line, err := r.ReadLine()
	require.NoError(t, err)
	assert.Equal(t, long, string(line))
	line, err = r.ReadLine()
	require.NoError(t, err)
	assert.Equal(t, "short", string(line))
	assert.LessOrEqual(t, cap(r.buf), retainLimit)
}
