// Package netnstest makes Linux network namespaces joined by veth pairs,
// runs code and programs inside them, and runs a private avahi-daemon there,
// so that tests can exercise multicast and broadcast on links of their own
// without sending anything on a real network. Only tests import it.
//
// Everything here needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN) and the ip tool
// (iproute2); the helpers skip the test when either is missing. On systems
// other than Linux the package is empty.
package netnstest
