package client

import (
	"strings"

	"github.com/natter-chat/natter/core/proto"
)

// reasonTexts maps every reason word of natter/1 (ERR reasons, BYE and
// LEAVE reasons) to words a person understands.
var reasonTexts = map[string]string{
	// ERR 400
	"bad-syntax":      "The hub did not understand the request",
	"unknown-command": "The hub does not know that command",
	"bad-nick":        "That nickname is not allowed (1–24 letters, digits, _ - or ., starting with a letter; not hub, everyone, all or server)",
	"bad-text":        "The text contains characters that cannot be sent",
	"bad-name":        "That file name is not allowed",
	// ERR 401
	"register-first": "Choose a nickname first",
	// ERR 404
	"no-such-user": "Nobody with that nickname is online",
	"no-such-file": "The hub does not share a file with that name",
	// ERR 409
	"nick-in-use": "That nickname is taken",
	"busy":        "Too many transfers at once; try again when one finishes",
	// ERR 413
	"line-too-long": "The message is too long",
	"too-large":     "The file is too large for the hub",
	// ERR 422
	"checksum-mismatch": "The file arrived damaged (checksum mismatch)",
	// ERR 429
	"slow-down": "Sending too fast; slow down",
	// ERR 503
	"hub-full": "The hub is full",
	// ERR 507
	"no-space": "The hub has no room left for the file",

	// BYE and LEAVE
	"registration-timeout": "No nickname was accepted in time",
	"quit":                 "Left",
	"timeout":              "Connection timed out",
	"too-slow":             "Could not keep up with the hub",
	"flood":                "Sent too much too fast",
	"connection-lost":      "Connection lost",
	"shutdown":             "The hub is shutting down",
}

// ReasonText returns the readable text for a natter/1 reason word
// ("nick-in-use" -> "That nickname is taken"). A LEAVE reason of the form
// "quit: <words>" becomes "Left: <words>". An unknown reason is returned
// with its dashes turned into spaces and its first letter capitalised.
func ReasonText(reason string) string {
	if t, ok := reasonTexts[reason]; ok {
		return t
	}
	if words, ok := strings.CutPrefix(reason, "quit: "); ok {
		return "Left: " + words
	}
	if reason == "" {
		return "Unknown reason"
	}
	s := strings.ReplaceAll(reason, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// LeaveText is the log line for someone leaving the hub for reason, a
// LEAVE reason of natter/1: "erin left", `erin left ("see you")` for
// "quit: see you", "erin lost the connection", "erin timed out",
// "erin was disconnected: too slow", "erin was removed for flooding",
// "erin left: hub shut down". An unknown reason is shown in brackets after
// "left" in the words ReasonText gives it.
func LeaveText(nick, reason string) string {
	switch reason {
	case proto.LeaveQuit:
		return nick + " left"
	case proto.LeaveConnectionLost:
		return nick + " lost the connection"
	case proto.LeaveTimeout:
		return nick + " timed out"
	case proto.LeaveTooSlow:
		return nick + " was disconnected: too slow"
	case proto.LeaveFlood:
		return nick + " was removed for flooding"
	case proto.LeaveShutdown:
		return nick + " left: hub shut down"
	}
	if words, ok := strings.CutPrefix(reason, proto.LeaveQuit+": "); ok {
		if words = strings.TrimSpace(words); words == "" {
			return nick + " left"
		}
		return nick + ` left ("` + words + `")`
	}
	return nick + " left (" + ReasonText(reason) + ")"
}
