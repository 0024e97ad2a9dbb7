package chatlog

import "io"

// SetWriter makes the log write to w, for tests of failing writes.
func (l *Log) SetWriter(w io.Writer) { l.w = w }
