package server

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/unicode/norm"

	"github.com/natter-chat/natter/core/proto"
	"github.com/natter-chat/natter/core/tftp"
)

// A name that differs from a stored one only by its normal form or its
// case is taken: the upload gets a numbered name, stored in NFC, and never
// a twin that looks the same.
func TestUploadNamesComparedInNFC(t *testing.T) {
	th := startTransferHub(t, nil)
	nfc := "caf\u00e9.txt"
	nfd := "cafe\u0301.txt"
	require.NotEqual(t, nfc, nfd)
	writeData(t, th.dir, nfc, []byte("first"))
	c, _, _ := register(t, th.addr, "alice")
	data := []byte("second")
	sum := sha256Hex(data)

	g := c.grant("PUT 6 " + sum + " " + nfd)
	assert.Equal(t, norm.NFC.String("cafe\u0301 (1).txt"), g.Name, "the NFD twin is numbered, in NFC")

	g2 := c.grant("PUT 6 " + sum + " CAF\u00c9.TXT")
	assert.Equal(t, "CAF\u00c9 (2).TXT", g2.Name, "case too: (1) is held by the grant before")

	// The first grant's upload is stored under its name.
	_, err := tftp.Upload(testContext(t), hubUDP(g.Port), g.Token, int64(len(data)), bytes.NewReader(data), nil)
	require.NoError(t, err)
	shared := c.skipTo("SHARED ")
	ev, err := proto.ParseEvent(shared)
	require.NoError(t, err)
	assert.Equal(t, g.Name, ev.Name)

	// GET with the name in another form finds the file.
	got := c.grant("GET " + nfd)
	assert.Equal(t, nfc, got.Name)
}
