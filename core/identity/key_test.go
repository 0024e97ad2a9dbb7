package identity

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func skipModesOnWindows(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("file modes say nothing of access on Windows")
	}
}

func TestKeyMadeOnceAndKept(t *testing.T) {
	skipModesOnWindows(t)
	for _, tc := range []struct {
		file string
		load func(string) (*Identity, error)
	}{
		{HubKeyFile, LoadOrCreateHub},
		{DeviceKeyFile, LoadOrCreateDevice},
	} {
		t.Run(tc.file, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data", "keys")
			first, err := tc.load(dir)
			require.NoError(t, err)

			path := filepath.Join(dir, tc.file)
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "key file mode")
			dinfo, err := os.Stat(dir)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o700), dinfo.Mode().Perm(), "key folder mode")
			data, err := os.ReadFile(path)
			require.NoError(t, err)

			again, err := tc.load(dir)
			require.NoError(t, err)
			assert.Equal(t, first.Fingerprint(), again.Fingerprint(), "the key is reused")
			data2, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, data, data2, "the key file is left alone")

			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, entries, 1, "no temporary file is left")
		})
	}
}

func TestKindsOfKey(t *testing.T) {
	hub, device := newHub(t), newDevice(t)
	leaf := device.Certificate().Leaf
	_, ok := leaf.PublicKey.(ed25519.PublicKey)
	assert.True(t, ok, "a device key is Ed25519, got %T", leaf.PublicKey)
	assert.Equal(t, x509.ECDSA, hub.Certificate().Leaf.PublicKeyAlgorithm)

	for _, id := range []*Identity{hub, device} {
		leaf := id.Certificate().Leaf
		assert.NoError(t, leaf.CheckSignature(leaf.SignatureAlgorithm, leaf.RawTBSCertificate, leaf.Signature), "self-signed")
		assert.False(t, leaf.IsCA, "it signs no other certificate")
		assert.Equal(t, Fingerprint(sha256.Sum256(leaf.RawSubjectPublicKeyInfo)), id.Fingerprint())
		assert.Greater(t, leaf.NotAfter.Year(), 9000, "long validity")
	}
}

func TestCorruptKeyFileIsAnError(t *testing.T) {
	const garbage = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0IHNlY3JldCBzZWNyZXQ=\n-----END PRIVATE KEY-----\n"
	for name, content := range map[string]string{
		"empty":     "",
		"not PEM":   "secret secret secret",
		"bad DER":   garbage,
		"truncated": "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI",
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, HubKeyFile)
			require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
			_, err := LoadOrCreateHub(dir)
			var kfe *KeyFileError
			require.ErrorAs(t, err, &kfe)
			assert.Equal(t, path, kfe.Path)
			assert.ErrorIs(t, err, ErrBadKeyFile)
			assert.Contains(t, err.Error(), path)
			assert.NotContains(t, err.Error(), "c2VjcmV0")
			assert.NotContains(t, err.Error(), "secret")
			after, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Equal(t, content, string(after), "never silently replaced")
		})
	}
}

func TestKeyOfTheWrongKind(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadOrCreateDevice(dir)
	require.NoError(t, err)
	// A device key where the hub's should be.
	require.NoError(t, os.Rename(filepath.Join(dir, DeviceKeyFile), filepath.Join(dir, HubKeyFile)))
	_, err = LoadOrCreateHub(dir)
	assert.ErrorIs(t, err, ErrBadKeyFile)
}

func TestExposedKeyFileIsAnError(t *testing.T) {
	skipModesOnWindows(t)
	dir := t.TempDir()
	_, err := LoadOrCreateDevice(dir)
	require.NoError(t, err)
	path := filepath.Join(dir, DeviceKeyFile)
	require.NoError(t, os.Chmod(path, 0o644))
	_, err = LoadOrCreateDevice(dir)
	var kfe *KeyFileError
	require.ErrorAs(t, err, &kfe)
	assert.Equal(t, path, kfe.Path)
	assert.ErrorIs(t, err, ErrFileExposed)
}

func TestFingerprintText(t *testing.T) {
	// Expected values from Python's base64.b32encode, an independent
	// implementation of RFC 4648.
	abc := Fingerprint(sha256.Sum256([]byte("abc")))
	assert.Equal(t, "XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ", abc.String())
	assert.Equal(t, "XJ4B-NP4P-AHH6-UQKB", abc.ShortCode())
	var ones Fingerprint
	for i := range ones {
		ones[i] = 0xff
	}
	assert.Equal(t, "777777777777777777777777777777777777777777777777777Q", ones.String())
	assert.Equal(t, "AAAA-AAAA-AAAA-AAAA", Fingerprint{}.ShortCode())

	for _, f := range []Fingerprint{abc, ones, {}} {
		got, err := ParseFingerprint(f.String())
		require.NoError(t, err)
		assert.Equal(t, f, got)
	}
}

func TestParseFingerprintRefuses(t *testing.T) {
	good := "XJ4BNP4PAHH6UQKBIDPF3LRCEOYAGYNDSYLXVHFUCD7WD4QACWWQ"
	for s, want := range map[string]string{
		"":                          "0 characters",
		good[:51]:                   "51 characters",
		good + "A":                  "53 characters",
		good + "====":               "56 characters",
		"xj4b" + good[4:]:           "character 1",
		good[:10] + "1" + good[11:]: "character 11",
		good[:10] + "8" + good[11:]: "character 11",
		good[:51] + "R":             "bits set",
		"777777777777777777777777777777777777777777777777777R": "bits set",
	} {
		_, err := ParseFingerprint(s)
		require.Error(t, err, "%q", s)
		assert.ErrorIs(t, err, ErrBadFingerprint)
		assert.Contains(t, err.Error(), want, "%q", s)
	}
}

func TestUnreadableKeyFolderIsAnError(t *testing.T) {
	dir := t.TempDir()
	// A folder where the key file should be.
	require.NoError(t, os.Mkdir(filepath.Join(dir, HubKeyFile), 0o700))
	_, err := LoadOrCreateHub(dir)
	var kfe *KeyFileError
	require.ErrorAs(t, err, &kfe)
	assert.Equal(t, filepath.Join(dir, HubKeyFile), kfe.Path)
	assert.Equal(t, 1, strings.Count(err.Error(), kfe.Path), "the path is named once: %v", err)
}

func TestHubKeyKeptElsewhere(t *testing.T) {
	data, err := NewHubKey()
	require.NoError(t, err)
	a, err := HubFromPEM(data)
	require.NoError(t, err)
	b, err := HubFromPEM(data)
	require.NoError(t, err)
	assert.Equal(t, a.Fingerprint(), b.Fingerprint(), "one key, one fingerprint")
	other, err := NewHubKey()
	require.NoError(t, err)
	c, err := HubFromPEM(other)
	require.NoError(t, err)
	assert.NotEqual(t, a.Fingerprint(), c.Fingerprint())

	// The same form as the key file.
	dir := t.TempDir()
	fromFile, err := LoadOrCreateHub(dir)
	require.NoError(t, err)
	fileData, err := os.ReadFile(filepath.Join(dir, HubKeyFile))
	require.NoError(t, err)
	fromPEM, err := HubFromPEM(fileData)
	require.NoError(t, err)
	assert.Equal(t, fromFile.Fingerprint(), fromPEM.Fingerprint())

	deviceDir := t.TempDir()
	_, err = LoadOrCreateDevice(deviceDir)
	require.NoError(t, err)
	deviceData, err := os.ReadFile(filepath.Join(deviceDir, DeviceKeyFile))
	require.NoError(t, err)
	for _, bad := range [][]byte{nil, []byte("secret"), deviceData, append(bytes.Clone(data), data...)} {
		_, err := HubFromPEM(bad)
		assert.ErrorIs(t, err, ErrBadKeyFile)
	}
}
