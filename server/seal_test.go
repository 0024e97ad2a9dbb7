package server

import (
	"bytes"
	"crypto/tls"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/natter-chat/natter/core/identity"
	"github.com/natter-chat/natter/core/tftp"
	"github.com/natter-chat/natter/core/tftp/lossy"
)

// tlsSession makes a real TLS 1.3 session on 127.0.0.1 with the hub's
// identity package and returns both ends' connection states.
func tlsSession(t *testing.T) (hub, client tls.ConnectionState) {
	t.Helper()
	pem, err := identity.NewHubKey()
	require.NoError(t, err)
	id, err := identity.HubFromPEM(pem)
	require.NoError(t, err)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", identity.HubConfig(id))
	require.NoError(t, err)
	defer ln.Close()
	states := make(chan tls.ConnectionState, 1)
	errs := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			errs <- err
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		_ = tc.SetDeadline(time.Now().Add(guard))
		if err := tc.Handshake(); err != nil {
			errs <- err
			return
		}
		states <- tc.ConnectionState()
	}()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: guard}, "tcp", ln.Addr().String(),
		identity.ClientConfig(nil, identity.ExpectFingerprint(id.Fingerprint())))
	require.NoError(t, err)
	defer c.Close()
	select {
	case hub = <-states:
	case err := <-errs:
		t.Fatal(err)
	}
	return hub, c.ConnectionState()
}

// sealedAsker is a requester on 127.0.0.1 whose grants are sealed with
// keys from the hub's end of cs.
func sealedAsker(cs tls.ConnectionState) requester {
	return requester{SessionID: 77, Nick: "alice", Addr: netip.MustParseAddr("127.0.0.1"), TransferKey: tlsTransferKeys(cs)}
}

func TestSealedGrantOverTLSSession(t *testing.T) {
	hubCS, clientCS := tlsSession(t)
	th := startTransferHub(t, nil)
	data := randomData(31, 200_000)
	writeData(t, th.dir, "secret.bin", data)
	ctx := testContext(t)

	g, err := th.ts.GrantGet(ctx, getRequest{requester: sealedAsker(hubCS), File: FileInfo{Name: "secret.bin"}})
	require.NoError(t, err)
	key, err := identity.TransferKey(clientCS, g.Token)
	require.NoError(t, err)
	relay, err := lossy.NewRelay(hubUDP(g.Port))
	require.NoError(t, err)
	relay.Start()
	defer relay.Close()

	var got bytes.Buffer
	res, err := tftp.Download(ctx, relay.Addr(), g.Token, &tftp.ClientOptions{SealKey: &key}, &got)
	require.NoError(t, err)
	require.True(t, bytes.Equal(data, got.Bytes()), "downloaded bytes differ")
	assert.Zero(t, res.Stats.SealDropped)
	for _, d := range relay.Datagrams() {
		for i := 0; i+16 <= len(data); i += 4093 {
			require.False(t, bytes.Contains(d, data[i:i+16]), "plaintext of the file on the wire")
		}
	}

	// The key of another token, or another session, does not open it.
	g, err = th.ts.GrantGet(ctx, getRequest{requester: sealedAsker(hubCS), File: FileInfo{Name: "secret.bin"}})
	require.NoError(t, err)
	_, err = tftp.Download(ctx, hubUDP(g.Port), g.Token, &tftp.ClientOptions{Config: tftp.Config{NoProgress: 2 * time.Second}, SealKey: &key}, &bytes.Buffer{})
	require.ErrorIs(t, err, tftp.ErrTimeout, "a wrong key opens nothing, so nothing moves")
	require.Eventually(t, func() bool { return th.ts.stats().SealDropped > 0 }, guard, 10*time.Millisecond)

	// A sealed grant asked for in plaintext is refused.
	g, err = th.ts.GrantGet(ctx, getRequest{requester: sealedAsker(hubCS), File: FileInfo{Name: "secret.bin"}})
	require.NoError(t, err)
	_, err = tftp.Download(ctx, hubUDP(g.Port), g.Token, nil, &bytes.Buffer{})
	requireTFTPError(t, err, tftp.ErrAccessViolation)
}

func TestSealedUploadOverTLSSession(t *testing.T) {
	hubCS, clientCS := tlsSession(t)
	th := startTransferHub(t, nil)
	data := randomData(32, 100_000)
	ctx := testContext(t)
	g, err := th.ts.GrantPut(ctx, putRequest{requester: sealedAsker(hubCS), Name: "up.bin", Size: int64(len(data)), SHA256: sha256Hex(data)})
	require.NoError(t, err)
	key, err := identity.TransferKey(clientCS, g.Token)
	require.NoError(t, err)
	// Flip a bit of one DATA on its way to the hub: the hub drops it and
	// counts it, and the block comes again.
	relay, err := lossy.NewRelay(hubUDP(g.Port))
	require.NoError(t, err)
	datas := 0
	relay.Tamper = func(toClient bool, pkt []byte) [][]byte {
		if !toClient && len(pkt) > 4 && pkt[1] == byte(tftp.OpDATA) {
			if datas++; datas == 7 {
				pkt[10] ^= 1 // the counter: a nonce the tag does not match
			}
		}
		return [][]byte{pkt}
	}
	relay.Start()
	defer relay.Close()
	_, err = tftp.Upload(ctx, relay.Addr(), g.Token, int64(len(data)), bytes.NewReader(data), &tftp.ClientOptions{SealKey: &key})
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(filepath.Join(th.dir, "up.bin"))
		return err == nil && bytes.Equal(b, data)
	}, guard, 10*time.Millisecond)
	assert.Equal(t, uint64(1), th.ts.stats().SealDropped)
}

func TestSealedGrantWithoutKeyIsWithdrawn(t *testing.T) {
	th := startTransferHub(t, nil)
	writeData(t, th.dir, "a.bin", []byte("abc"))
	var plain tls.ConnectionState // no session: no key can be exported
	_, err := th.ts.GrantGet(testContext(t), getRequest{requester: sealedAsker(plain), File: FileInfo{Name: "a.bin"}})
	require.Error(t, err)
	assert.Zero(t, th.ts.stats().Slots, "the withdrawn grant holds no slot")
	assert.Zero(t, th.ts.stats().GetsGranted)
}

// TestSealedGrantRefusesStockClient: stock curl, which cannot seal, gets
// an ERROR and none of the file for a token granted on a TLS session.
func TestSealedGrantRefusesStockClient(t *testing.T) {
	curl := needTool(t, "curl")
	hubCS, _ := tlsSession(t)
	th := startTransferHub(t, nil)
	writeData(t, th.dir, "secret.bin", randomData(33, 50_000))
	ctx := testContext(t)
	g, err := th.ts.GrantGet(ctx, getRequest{requester: sealedAsker(hubCS), File: FileInfo{Name: "secret.bin"}})
	require.NoError(t, err)
	out := t.TempDir()
	dst := filepath.Join(out, "got")
	cmd := exec.CommandContext(ctx, curl, "-sS", "--tftp-blksize", "2048", "-o", dst, "tftp://"+hubUDP(g.Port)+"/"+g.Token)
	msg, err := cmd.CombinedOutput()
	require.Error(t, err, "curl fetched a sealed grant in plaintext: %s", msg)
	got, _ := os.ReadFile(dst)
	assert.Empty(t, got)
}
