package ui

// DrainEvents runs one frame's worth of event handling and returns how
// many events it took.
func (u *UI) DrainEvents() int { return u.drainEvents() }

// HugeHeaderPNG is a small PNG file whose header claims w×h pixels.
var HugeHeaderPNG = hugeHeaderPNG

// PreviewFetchMaxBytes is the largest shared image fetched for a preview.
const PreviewFetchMaxBytes = previewFetchMaxBytes
