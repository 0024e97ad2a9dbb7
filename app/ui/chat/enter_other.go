//go:build !android && !ios

package chat

// On desktops Enter sends and Shift+Enter starts a new line.
const enterSends = true
