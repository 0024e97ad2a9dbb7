#!/usr/bin/env bash
# attack-stalled.sh: clients that never read cannot take the hub's memory.
#
# Starts natterd on a free loopback port with a hub-wide bound on queued
# output (-max-queued, default here 128MiB), then from 127.0.0.2, standing
# in for one attacking host, opens CLIENTS sessions (default 400) that never
# read and each send `MSG x` at the allowed rate (20 lines/s) for SECONDS
# (default 30). natterd's resident memory is sampled every 0.2 s. A victim
# on 127.0.0.1 then registers and must get its PONG.
#
# Before the hub-wide bound, 400 such clients took natterd's RSS up by
# 3.0 GiB in 45 s (each stalled queue held ~7.5 MiB). Passes when the peak
# RSS stays under the bound plus HEADROOM (default 192MiB: the runtime,
# 400 sessions' buffers, and the garbage the collector has not yet taken
# back) and the victim is served. The per-host limits are lifted for this
# one host: the queue bound is what is under test.
#
# Environment: CLIENTS, SECONDS, BOUND_MIB, HEADROOM_MIB, GO, NATTERD (a hub
# binary to run instead of building ./server/cmd/natterd).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
CLIENTS=${CLIENTS:-400}
SECONDS_RUN=${SECONDS:-30}
BOUND_MIB=${BOUND_MIB:-128}
HEADROOM_MIB=${HEADROOM_MIB:-192}

work=$(mktemp -d)
hub_pid=
cleanup() {
	if [ -n "$hub_pid" ]; then kill "$hub_pid" 2>/dev/null || true; wait "$hub_pid" 2>/dev/null || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

if [ -n "${NATTERD:-}" ]; then
	cp "$NATTERD" "$work/natterd"
else
	"$GO" build -o "$work/natterd" ./server/cmd/natterd
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir "$work/shared"
"$work/natterd" -addr "127.0.0.1:$port" -udp-addr "127.0.0.1:$port" -dir "$work/shared" -announce=false \
	-history 0 -max-queued "${BOUND_MIB}MiB" -host-exempt 127.0.0.2 >"$work/hub.log" 2>&1 &
hub_pid=$!

python3 - "$port" "$hub_pid" "$CLIENTS" "$SECONDS_RUN" "$BOUND_MIB" "$HEADROOM_MIB" <<'EOF'
import socket, sys, time

port, pid, clients, seconds, bound_mib, headroom_mib = (int(a) for a in sys.argv[1:])

def rss_mib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0

def dial(src):
    for _ in range(100):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(src, 0))
            return s
        except OSError:
            time.sleep(0.05)
    sys.exit("cannot connect to the hub")

def readline(s):
    buf = b""
    while not buf.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            raise EOFError("hub closed the connection")
        buf += c
    return buf.decode()

base = rss_mib()
socks = []
for i in range(clients):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a weak link that reads nothing
    s.bind(("127.0.0.2", 0))
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    s.sendall(f"NICK stalled{i}\n".encode())
    socks.append(s)
print(f"{clients} stalled clients registered; hub RSS {base:.0f} MiB before", file=sys.stderr)

peak, alive = base, set(range(clients))
start = time.monotonic()
tick = 0
while time.monotonic() - start < seconds and alive:
    tick += 1
    for i in list(alive):
        try:
            socks[i].setblocking(False)
            socks[i].send(b"MSG x\n")
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            alive.discard(i)  # dropped by the hub
    peak = max(peak, rss_mib())
    time.sleep(0.05)  # 20 lines/s each, the default rate
    if tick % 4 == 0:
        peak = max(peak, rss_mib())
print(f"after {time.monotonic()-start:.0f} s: peak hub RSS {peak:.0f} MiB, {len(alive)} attackers still writing", file=sys.stderr)

v = dial("127.0.0.1")
assert readline(v).startswith("HELLO "), "no HELLO"
v.sendall(b"NICK victim\nPING still-here\n")
for _ in range(10000):
    line = readline(v)
    if line == "PONG still-here\n":
        break
else:
    sys.exit("the victim got no PONG")
limit = bound_mib + headroom_mib
print(f"victim served; peak RSS {peak:.0f} MiB, limit {limit} MiB (bound {bound_mib} + headroom {headroom_mib})")
if peak > limit:
    sys.exit(f"FAIL: the hub's RSS went over {limit} MiB")
print("PASS")
EOF
