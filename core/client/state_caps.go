package client

import (
	"strconv"

	"github.com/natter-chat/natter/core/proto"
)

// caps takes in what a CAPS line says the client can use; words it does
// not know, or cannot read, are ignored, as natter/1 section 7 has it.
func (st *state) caps(words string) {
	caps, err := proto.ParseCaps(words)
	if err != nil {
		return
	}
	port := 0
	for _, c := range caps {
		if c.Name == proto.CapWeb {
			if n, err := strconv.Atoi(c.Value); err == nil && n > 0 && n <= 65535 {
				port = n
			}
		}
	}
	if port != st.webPort {
		st.webPort = port
		st.dirty = true
	}
}
