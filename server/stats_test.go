package server

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/tftp"
)

// TestStatsCountWhatHappened drives a hub through registrations, messages,
// a download, an upload, a refused upload and departures, and checks each
// figure Stats reports against what was done.
func TestStatsCountWhatHappened(t *testing.T) {
	th := startTransferHub(t, nil)
	data := randomData(1, 5000)
	writeData(t, th.dir, "notes.txt", data)

	alice, _, _ := register(t, th.addr, "alice")
	bob, _, _ := register(t, th.addr, "bob")
	alice.skipTo("JOIN ")
	dial(t, th.addr) // connected, never registers

	st := th.Stats()
	require.Equal(t, 3, st.Sessions)
	require.Equal(t, 2, st.Registered)
	require.EqualValues(t, 2, st.Registrations)

	alice.send("MSG hello")
	alice.skipTo("MSG ")
	bob.skipTo("MSG ")
	bob.send("PRIV alice psst")
	alice.skipTo("PRIV ")
	bob.skipTo("PRIV ")

	g := alice.grant("GET notes.txt")
	var got bytes.Buffer
	_, err := tftp.Download(testContext(t), hubUDP(g.Port), g.Token, nil, &got)
	require.NoError(t, err)
	require.Equal(t, data, got.Bytes())

	up := randomData(2, 3000)
	pg := bob.grant(fmt.Sprintf("PUT %d %s up.bin", len(up), sha256Hex(up)))
	_, err = tftp.Upload(testContext(t), hubUDP(pg.Port), pg.Token, int64(len(up)), bytes.NewReader(up), nil)
	require.NoError(t, err)
	bob.skipTo("SHARED ")
	// An upload whose bytes do not match its PUT is refused and counted.
	bad := bob.grant(fmt.Sprintf("PUT %d %s bad.bin", len(up), sha256Hex(data)))
	_, err = tftp.Upload(testContext(t), hubUDP(bad.Port), bad.Token, int64(len(up)), bytes.NewReader(up), nil)
	require.Error(t, err)

	bob.send("QUIT")
	bob.skipTo("BYE ")
	alice.skipTo("LEAVE ")

	require.Eventually(t, func() bool {
		st = th.Stats()
		return st.Sessions == 2 && st.Transfers.UploadsFailed == 1 && st.Transfers.Slots == 0
	}, guard, 5*time.Millisecond)
	require.Equal(t, 1, st.Registered)
	require.EqualValues(t, 2, st.Registrations)
	require.EqualValues(t, 1, st.Messages)
	require.EqualValues(t, 1, st.PrivateMessages)
	require.EqualValues(t, 3, st.Deliveries, "MSG to both, PRIV to one")
	require.EqualValues(t, 1, st.Ended["quit"])
	require.EqualValues(t, 0, st.Ended["too-slow"])
	require.EqualValues(t, 1, st.Transfers.GetsGranted)
	require.EqualValues(t, 2, st.Transfers.PutsGranted)
	require.EqualValues(t, 1, st.Transfers.DownloadsDone)
	require.EqualValues(t, len(data), st.Transfers.DownloadedBytes)
	require.EqualValues(t, 1, st.Transfers.UploadsDone)
	require.EqualValues(t, len(up), st.Transfers.UploadedBytes)
	require.GreaterOrEqual(t, st.QueuedBytes, int64(0))
}
