package discovery

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testService() service {
	return newService(Info{Name: "Lab hub v1.2", TCPPort: 50000, UDPPort: 50001, Users: func() int { return 4 }}, "lab-host")
}

var testAddrs = []netip.Addr{netip.MustParseAddr("10.1.2.3"), netip.MustParseAddr("fe80::1")}

func TestDNSRoundTrip(t *testing.T) {
	svc := testService()
	m := svc.announcement(testAddrs, recordTTL)
	b, err := m.pack()
	require.NoError(t, err)
	got, err := parseDNS(b)
	require.NoError(t, err)
	require.Len(t, got.Answers, 5)
	assert.True(t, got.isResponse())

	ptr := got.Answers[0]
	assert.Equal(t, uint16(typePTR), ptr.Type)
	assert.True(t, ptr.Name.equal(serviceName))
	assert.Equal(t, dnsName{"Lab hub v1.2", "_natter", "_tcp", "local"}, ptr.Target, "a dot inside the instance label survives")
	assert.Equal(t, uint16(classIN), ptr.Class, "PTR is a shared record: no cache-flush bit")

	srv := got.Answers[1]
	assert.Equal(t, uint16(typeSRV), srv.Type)
	assert.Equal(t, uint16(50000), srv.Port)
	assert.Equal(t, dnsName{"lab-host", "local"}, srv.Target)
	assert.Equal(t, uint16(classIN|classTopBit), srv.Class)

	txt := got.Answers[2]
	assert.Equal(t, []string{"proto=natter/1", "udp=50001", "users=4"}, txt.Text)

	assert.Equal(t, testAddrs[0], got.Answers[3].Addr)
	assert.Equal(t, uint16(typeA), got.Answers[3].Type)
	assert.Equal(t, testAddrs[1], got.Answers[4].Addr)
	assert.Equal(t, uint16(typeAAAA), got.Answers[4].Type)
	for _, r := range got.Answers {
		assert.Equal(t, uint32(recordTTL), r.TTL)
	}

	// Compression: "_natter._tcp.local" is written once.
	assert.Less(t, len(b), 200)
}

func TestDNSGoodbyeHasZeroTTL(t *testing.T) {
	b, err := testService().announcement(testAddrs, 0).pack()
	require.NoError(t, err)
	got, err := parseDNS(b)
	require.NoError(t, err)
	for _, r := range got.Answers {
		assert.Zero(t, r.TTL)
	}
}

func TestDNSParseRejects(t *testing.T) {
	hdr := func(qd, an byte) []byte { return []byte{0, 0, 0x84, 0, 0, qd, 0, an, 0, 0, 0, 0} }
	cases := map[string][]byte{
		"short header":    {0, 1, 2},
		"counts lie":      hdr(0, 200),
		"pointer loop":    append(hdr(1, 0), 0xC0, 12, 0, 1, 0, 1),
		"forward pointer": append(hdr(1, 0), 0xC0, 20, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0),
		"label past end":  append(hdr(1, 0), 10, 'a', 'b'),
		"reserved label":  append(hdr(1, 0), 0x40, 0, 0, 1, 0, 1),
		"truncated qtype": append(hdr(1, 0), 1, 'a', 0, 0),
		"A of 3 bytes":    append(hdr(0, 1), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 3, 1, 2, 3),
		"rdata past end":  append(hdr(0, 1), 1, 'a', 0, 0, 1, 0, 1, 0, 0, 0, 1, 0, 9, 1, 2, 3),
	}
	for name, b := range cases {
		_, err := parseDNS(b)
		assert.Error(t, err, name)
	}
}

func TestDNSPackRejects(t *testing.T) {
	long := string(make([]byte, 64))
	_, err := (&dnsMessage{Questions: []dnsQuestion{{Name: dnsName{long}, Type: typeA, Class: classIN}}}).pack()
	assert.ErrorContains(t, err, "length 64")
	_, err = (&dnsMessage{Answers: []dnsRecord{{Name: dnsName{"a"}, Type: typeA, Addr: netip.MustParseAddr("::1")}}}).pack()
	assert.ErrorContains(t, err, "A record")
}

func TestDNSNameString(t *testing.T) {
	assert.Equal(t, `Lab hub v1\.2._natter._tcp.local.`, testService().instance.String())
	assert.Equal(t, ".", dnsName(nil).String())
	assert.True(t, dnsName{"ABC", "Local"}.equal(dnsName{"abc", "LOCAL"}))
	assert.False(t, dnsName{"Émile"}.equal(dnsName{"émile"}), "only ASCII folds")
}

func query(qs ...dnsQuestion) *dnsMessage { return &dnsMessage{ID: 77, Questions: qs} }

func TestServiceAnswersBrowse(t *testing.T) {
	svc := testService()
	resp := svc.answer(query(dnsQuestion{Name: parseDotted("_natter._tcp.local."), Type: typePTR, Class: classIN}), testAddrs, false)
	require.NotNil(t, resp)
	require.Len(t, resp.Answers, 1)
	assert.Equal(t, uint16(typePTR), resp.Answers[0].Type)
	assert.Len(t, resp.Additionals, 4, "SRV, TXT, A, AAAA")
	assert.Zero(t, resp.ID, "multicast answers carry ID 0")
	assert.Empty(t, resp.Questions)

	// Case does not matter.
	resp = svc.answer(query(dnsQuestion{Name: parseDotted("_NATTER._TCP.LOCAL"), Type: typePTR, Class: classIN | classTopBit}), testAddrs, false)
	require.NotNil(t, resp)
}

func TestServiceAnswersLegacyQuery(t *testing.T) {
	q := query(dnsQuestion{Name: serviceName, Type: typePTR, Class: classIN})
	resp := testService().answer(q, testAddrs, true)
	require.NotNil(t, resp)
	assert.Equal(t, uint16(77), resp.ID)
	assert.Equal(t, q.Questions, resp.Questions)
	for _, r := range append(resp.Answers, resp.Additionals...) {
		assert.Equal(t, uint32(legacyTTL), r.TTL)
		assert.Zero(t, r.Class&classTopBit, "no cache-flush bit to a legacy querier")
	}
}

func TestServiceAnswersDirectQuestions(t *testing.T) {
	svc := testService()
	resp := svc.answer(query(dnsQuestion{Name: svc.instance, Type: typeSRV, Class: classIN}), testAddrs, false)
	require.NotNil(t, resp)
	require.Len(t, resp.Answers, 1)
	assert.Equal(t, uint16(typeSRV), resp.Answers[0].Type)
	assert.Len(t, resp.Additionals, 2)

	resp = svc.answer(query(dnsQuestion{Name: svc.instance, Type: typeANY, Class: classIN}), testAddrs, false)
	require.NotNil(t, resp)
	assert.Len(t, resp.Answers, 2, "SRV and TXT")

	resp = svc.answer(query(dnsQuestion{Name: svc.host, Type: typeA, Class: classIN}), testAddrs, false)
	require.NotNil(t, resp)
	require.Len(t, resp.Answers, 1)
	assert.Equal(t, testAddrs[0], resp.Answers[0].Addr)

	resp = svc.answer(query(dnsQuestion{Name: serviceEnumeName, Type: typePTR, Class: classIN}), testAddrs, false)
	require.NotNil(t, resp)
	assert.Equal(t, serviceName, resp.Answers[0].Target)

	assert.Nil(t, svc.answer(query(dnsQuestion{Name: parseDotted("_http._tcp.local"), Type: typePTR, Class: classIN}), testAddrs, false))
	assert.Nil(t, svc.answer(&dnsMessage{Flags: flagResponse, Questions: []dnsQuestion{{Name: serviceName, Type: typePTR, Class: classIN}}}, testAddrs, false), "responses are not queries")
}

func TestServiceKnownAnswerSuppression(t *testing.T) {
	svc := testService()
	q := query(dnsQuestion{Name: serviceName, Type: typePTR, Class: classIN})
	q.Answers = []dnsRecord{svc.ptr(recordTTL)}
	assert.Nil(t, svc.answer(q, testAddrs, false), "the querier knows the answer")
	q.Answers = []dnsRecord{svc.ptr(recordTTL/2 - 1)}
	assert.NotNil(t, svc.answer(q, testAddrs, false), "the known answer is about to expire")
}

func TestHostLabel(t *testing.T) {
	assert.Equal(t, "my-box-lab-hub-v1-2", hostLabel("My-Box", "Lab hub v1.2"))
	assert.Equal(t, "natter-hub", hostLabel("ÉÉ", "--"))
	assert.Len(t, hostLabel(string(make([]byte, 100)), "x"+string(make([]rune, 0))+"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij"), 63)
}

func TestTXTValue(t *testing.T) {
	v, ok := txtValue([]string{"Proto=natter/1", "proto=other", "flag"}, "proto")
	assert.True(t, ok)
	assert.Equal(t, "natter/1", v)
	_, ok = txtValue([]string{"flag"}, "udp")
	assert.False(t, ok)
}

func FuzzParseDNS(f *testing.F) {
	b, _ := testService().announcement(testAddrs, recordTTL).pack()
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseDNS(b)
		if err != nil {
			return
		}
		out, err := m.pack()
		if err != nil {
			// Not every decodable message re-encodes (empty labels, say).
			return
		}
		again, err := parseDNS(out)
		if err != nil {
			t.Fatalf("re-encoded message does not decode: %v", err)
		}
		if len(again.Questions) != len(m.Questions) || len(again.records()) != len(m.records()) {
			t.Fatalf("re-encoding changed the message: %+v to %+v", m, again)
		}
	})
}
