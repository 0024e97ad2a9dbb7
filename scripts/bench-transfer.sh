#!/usr/bin/env bash
# bench-transfer.sh: download speed of the Natter hub's TFTP against
# tftpd-hpa, on loopback, in one run.
#
#   1. A 64 MiB file, stop-and-wait with 2048-byte blocks: natterd
#      (-tftp-public) with Natter's client (server/internal/xferbench) against
#      in.tftpd with curl --tftp-blksize 2048. Each server and its client are
#      pinned to the same single CPU (taskset -c 0). RUNS runs each
#      (default 5), interleaved; the median rate of each and the ratio
#      ours/tftpd are printed.
#   2. Natter's client asking for windowsize 16, against the same tftpd
#      figure.
#   3. Both pairs through a relay that drops 1% and then 5% of the datagrams
#      to and from the client (xferbench relay, on CPU 1), with a smaller
#      file (LOSS_MIB, default 1) and LOSS_RUNS runs (default 1). The relay
#      adds a hop for both pairs alike. Loss is emulated in user space
#      because tc netem is not available everywhere (it needs the sch_netem
#      kernel module); nothing outside this script's own processes is
#      touched. curl asks for the RFC 2349 timeout option (6 s), so each
#      lost datagram stalls curl and tftpd-hpa for seconds; these runs are
#      bounded by LOSS_TIMEOUT seconds (default 90): a run cut off is shown
#      as "<rate", the rate of the part that arrived.
#
# Every transfer is checked against the file's SHA-256 (ours by xferbench,
# curl's by sha256sum once before the timed runs) and bounded by TIMEOUT
# seconds (default 300). Rates are in MB/s (10^6 bytes per second) and
# include the client's start-up.
#
# Environment: RUNS, LOSS_RUNS, LOSS_MIB, TIMEOUT, LOSS_TIMEOUT, GO.
# Needs: taskset, in.tftpd (tftpd-hpa), curl, sha256sum, ss.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
RUNS=${RUNS:-5}
LOSS_RUNS=${LOSS_RUNS:-1}
LOSS_MIB=${LOSS_MIB:-1}
TIMEOUT=${TIMEOUT:-300}
LOSS_TIMEOUT=${LOSS_TIMEOUT:-90}

for tool in taskset in.tftpd curl sha256sum ss timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-transfer: $tool is not installed (Debian: util-linux, tftpd-hpa, curl, coreutils, iproute2)" >&2
		exit 1
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-transfer.XXXXXX")
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a UDP port that nothing on this machine listens on.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 30000))
		if [ -z "$(ss -Hlun "sport = :$p")" ]; then
			echo "$p"
			return
		fi
	done
	echo "bench-transfer: no free UDP port found" >&2
	exit 1
}

now_ns() { date +%s%N; }

# rate BYTES START_NS END_NS prints MB/s.
rate() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { r = b / ((e - s) / 1e9) / 1e6; printf(r < 1 ? "%.4f" : "%.1f", r) }'; }

# median prints the median of its arguments; "<x" counts as x, "failed"
# as nothing.
median() {
	printf '%s\n' "$@" | awk '$0 != "failed" { k = $0; sub(/^</, "", k); print k "\t" $0 }' |
		sort -g -k1,1 | awk -F'\t' '{ v[NR] = $2 } END { if (NR) print v[int((NR + 1) / 2)]; else print "failed" }'
}

# ratio A B prints A/B; a B of "<x" (a lower bound on the time, so an upper
# bound on the rate) makes it ">A/x".
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		bound = ""
		if (substr(b, 1, 1) == "<") { bound = ">"; b = substr(b, 2) }
		if (b + 0 > 0 && a + 0 > 0) printf "%s%.2f", bound, a / b; else print "n/a"
	}'
}

echo "building natterd and xferbench" >&2
"$GO" build -o "$work/natterd" ./server/cmd/natterd
"$GO" build -o "$work/xferbench" ./server/internal/xferbench

shared="$work/shared"
mkdir -p "$shared"
# tftpd-hpa drops its privileges: everything it serves must be world-readable.
chmod 755 "$work" "$shared"
head -c $((64 << 20)) /dev/urandom >"$shared/bench.bin"
head -c $((LOSS_MIB << 20)) /dev/urandom >"$shared/loss.bin"
chmod 644 "$shared"/*.bin
size=$((64 << 20))
loss_size=$((LOSS_MIB << 20))
sum=$(sha256sum "$shared/bench.bin" | cut -d' ' -f1)
loss_sum=$(sha256sum "$shared/loss.bin" | cut -d' ' -f1)

ours_port=$(free_port)
tftpd_port=$(free_port)
while [ "$tftpd_port" = "$ours_port" ]; do tftpd_port=$(free_port); done

taskset -c 0 "$work/natterd" -addr 127.0.0.1:0 -udp-addr "127.0.0.1:$ours_port" -dir "$shared" \
	-tftp-public -log-level warn >"$work/natterd.out" 2>&1 &
pids+=($!)
taskset -c 0 in.tftpd -L -s -a "127.0.0.1:$tftpd_port" "$shared" >"$work/tftpd.out" 2>&1 &
pids+=($!)

# Wait for both servers, and check curl's copy once (this also warms the
# page cache for both).
for _ in $(seq 100); do
	if "$work/xferbench" get -addr "127.0.0.1:$ours_port" -file loss.bin -sha256 "$loss_sum" -timeout 2s >/dev/null 2>&1 &&
		curl -sS --max-time 5 --tftp-blksize 2048 -o "$work/check.bin" "tftp://127.0.0.1:$tftpd_port/loss.bin" 2>/dev/null; then
		break
	fi
	sleep 0.1
done
curl -sS --max-time "$TIMEOUT" --tftp-blksize 2048 -o "$work/check.bin" "tftp://127.0.0.1:$tftpd_port/bench.bin"
if [ "$(sha256sum "$work/check.bin" | cut -d' ' -f1)" != "$sum" ]; then
	echo "bench-transfer: curl's copy from tftpd-hpa does not match" >&2
	exit 1
fi
rm -f "$work/check.bin"

# run_ours ADDR FILE SUM SIZE LIMIT [xferbench options] prints MB/s, or
# "failed".
run_ours() {
	local addr=$1 file=$2 want=$3 bytes=$4 limit=$5 start end
	shift 5
	start=$(now_ns)
	if ! timeout "$limit" taskset -c 0 "$work/xferbench" get -addr "$addr" -file "$file" -sha256 "$want" \
		-timeout "${limit}s" "$@" >"$work/ours.out" 2>&1; then
		echo "natter client: $(cat "$work/ours.out")" >&2
		echo failed
		return
	fi
	end=$(now_ns)
	rate "$bytes" "$start" "$end"
}

# run_curl ADDR FILE SIZE LIMIT prints MB/s; when the time limit cuts the
# transfer off, "<MB/s" of the part received.
run_curl() {
	local addr=$1 file=$2 bytes=$3 limit=$4 start end status=0
	rm -f "$work/curl.bin"
	start=$(now_ns)
	timeout "$limit" taskset -c 0 curl -sS --tftp-blksize 2048 -o "$work/curl.bin" "tftp://$addr/$file" 2>"$work/curl.out" || status=$?
	end=$(now_ns)
	if [ "$status" = 124 ]; then
		echo "<$(rate "$(stat -c %s "$work/curl.bin" 2>/dev/null || echo 0)" "$start" "$end")"
		return
	fi
	if [ "$status" != 0 ]; then
		echo "curl: $(cat "$work/curl.out")" >&2
		echo failed
		return
	fi
	rate "$bytes" "$start" "$end"
}

echo "64 MiB, stop-and-wait, blksize 2048, server and client on CPU 0; $RUNS runs each" >&2
ours=()
tftpd=()
win=()
for i in $(seq "$RUNS"); do
	ours+=("$(run_ours "127.0.0.1:$ours_port" bench.bin "$sum" "$size" "$TIMEOUT")")
	tftpd+=("$(run_curl "127.0.0.1:$tftpd_port" bench.bin "$size" "$TIMEOUT")")
	win+=("$(run_ours "127.0.0.1:$ours_port" bench.bin "$sum" "$size" "$TIMEOUT" -window 16)")
	echo "  run $i: natterd ${ours[-1]} MB/s, tftpd-hpa ${tftpd[-1]} MB/s, natterd window 16 ${win[-1]} MB/s" >&2
done
m_ours=$(median "${ours[@]}")
m_tftpd=$(median "${tftpd[@]}")
m_win=$(median "${win[@]}")

printf '%-44s %10s %10s %8s\n' "case (median MB/s)" "natterd" "tftpd-hpa" "ratio"
printf '%-44s %10s %10s %8s\n' "64 MiB, windowsize 1" "$m_ours" "$m_tftpd" "$(ratio "$m_ours" "$m_tftpd")"
printf '%-44s %10s %10s %8s\n' "64 MiB, natterd windowsize 16 vs tftpd" "$m_win" "$m_tftpd" "$(ratio "$m_win" "$m_tftpd")"

relay_cpu=1
if [ "$(nproc)" -lt 2 ]; then relay_cpu=0; fi
for loss in 0.01 0.05; do
	r_ours=$(free_port)
	r_tftpd=$(free_port)
	while [ "$r_tftpd" = "$r_ours" ]; do r_tftpd=$(free_port); done
	taskset -c "$relay_cpu" "$work/xferbench" relay -listen "127.0.0.1:$r_ours" -to "127.0.0.1:$ours_port" -loss "$loss" -seed 1 &
	relay1=$!
	pids+=("$relay1")
	taskset -c "$relay_cpu" "$work/xferbench" relay -listen "127.0.0.1:$r_tftpd" -to "127.0.0.1:$tftpd_port" -loss "$loss" -seed 2 &
	relay2=$!
	pids+=("$relay2")
	sleep 0.2
	echo "$LOSS_MIB MiB through a relay dropping $loss of the datagrams; $LOSS_RUNS run(s) each, at most ${LOSS_TIMEOUT}s" >&2
	lo=()
	lt=()
	for i in $(seq "$LOSS_RUNS"); do
		lo+=("$(run_ours "127.0.0.1:$r_ours" loss.bin "$loss_sum" "$loss_size" "$LOSS_TIMEOUT")")
		lt+=("$(run_curl "127.0.0.1:$r_tftpd" loss.bin "$loss_size" "$LOSS_TIMEOUT")")
		echo "  run $i: natterd ${lo[-1]} MB/s, tftpd-hpa ${lt[-1]} MB/s" >&2
	done
	kill -TERM "$relay1" "$relay2" 2>/dev/null || true
	wait "$relay1" "$relay2" 2>/dev/null || true
	m_lo=$(median "${lo[@]}")
	m_lt=$(median "${lt[@]}")
	printf '%-44s %10s %10s %8s\n' "$LOSS_MIB MiB, windowsize 1, $(awk -v l="$loss" 'BEGIN { print l * 100 }')% loss" "$m_lo" "$m_lt" "$(ratio "$m_lo" "$m_lt")"
done
