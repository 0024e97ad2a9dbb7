#!/usr/bin/env bash
# bench-transfer.sh: Natter's TFTP against stock TFTP servers and clients,
# on a real kernel with real packet loss, in one run; prints one table.
#
# Two network namespaces, made here and removed on exit, are joined by a
# veth pair (10.201.0.1 for the servers, 10.201.0.2 for the clients; the
# addresses exist only inside the namespaces). nftables in each namespace
# drops 0%, 1% or 5% of the UDP datagrams arriving on the veth at random
# (numgen random), so both directions lose alike. Over the veth, with the
# servers on CPU 0 and the clients on CPU 1, an LOSS_MIB file (default 8)
# goes, with blksize 2048:
#
#   tftpd-hpa at its best (-r timeout -T 10000: refuses curl's timeout
#   option and retransmits after 10 ms) and natterd -tftp-public, each to
#   curl (download) and from curl -T (upload; natterd's upload takes a
#   token, which xferbench put asks for on a session); and natterd to
#   Natter's own client (xferbench get, stop-and-wait).
#
# Then on the server namespace's loopback, each pair pinned to CPU 0, a
# LOOP_MIB file (default 64):
#
#   tftpd-hpa + curl against natterd + Natter's client at windowsize 1, and
#   atftpd + atftp against natterd + Natter's client at windowsize 16.
#
# What is measured is what a user gets: the wall time of the client
# process from its start to its exit, start-up included, for every client
# alike. The files are in tmpfs and read once before the timed runs, so no
# server reads a disk; curl and atftp write to /dev/null, and Natter's
# client discards the data but computes its SHA-256 all the same (as the
# app does), and checks it. curl's and atftp's copies are checked once,
# before the timed runs. Every transfer is bounded by TIMEOUT seconds
# (default 60); a run that fails or is cut off counts as "failed". Runs of
# the pairs compared are interleaved, RUNS of each (default 3), and the
# median is shown. Rates are MB/s (10^6 bytes per second).
#
# For the loopback pairs the table also shows where the CPU goes: the
# client's CPU time (user and system, its children included) and the
# server's, per block. tftpd-hpa serves each transfer from a child that
# the system reaps, whose CPU time is not counted anywhere: its column is
# n/a.
#
# Retransmissions: Natter's client reports the ACKs it sent again and the
# DATA that came twice (each a retransmission by the hub that arrived); on
# a clean link every retransmission arrives, so their sum over the blocks
# is the share of packets sent again by both ends.
#
# Environment: RUNS, LOSS_MIB, LOOP_MIB, TIMEOUT, LOSSES, LOOP_RUNS, GO, ATFTPD (path of
# atftpd; without it the script takes it from the Debian package with
# apt-get download, which atftpd needs since it conflicts with tftpd-hpa).
# Needs root, ip (iproute2), nft (nftables), taskset, in.tftpd (tftpd-hpa),
# curl, atftp, sha256sum.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
RUNS=${RUNS:-3}
LOSS_MIB=${LOSS_MIB:-8}
LOOP_MIB=${LOOP_MIB:-64}
TIMEOUT=${TIMEOUT:-60}
LOSSES=${LOSSES:-0 1 5}     # loss rates in percent over the veth
LOOP_RUNS=${LOOP_RUNS:-$RUNS} # runs of the loopback pairs (0: none)

if [ "$(id -u)" != 0 ]; then
	echo "bench-transfer: needs root (network namespaces and nftables)" >&2
	exit 1
fi
for tool in ip nft taskset in.tftpd curl atftp sha256sum timeout; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "bench-transfer: $tool is not installed (Debian: iproute2, nftables, util-linux, tftpd-hpa, curl, atftp, coreutils)" >&2
		exit 1
	fi
done

srv_cpu=0 cli_cpu=1
if [ "$(nproc)" -lt 2 ]; then cli_cpu=0; fi

tag=$$
ns_s=natbench-s-$tag
ns_c=natbench-c-$tag
work=$(mktemp -d /dev/shm/bench-transfer.XXXXXX)
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	ip netns del "$ns_s" 2>/dev/null || true
	ip netns del "$ns_c" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_s=(ip netns exec "$ns_s")
in_c=(ip netns exec "$ns_c")

ip netns add "$ns_s"
ip netns add "$ns_c"
ip -n "$ns_s" link set lo up
ip -n "$ns_c" link set lo up
ip -n "$ns_s" link add veth-s type veth peer name veth-c netns "$ns_c"
ip -n "$ns_s" addr add 10.201.0.1/24 dev veth-s
ip -n "$ns_c" addr add 10.201.0.2/24 dev veth-c
ip -n "$ns_s" link set veth-s up
ip -n "$ns_c" link set veth-c up
srv=10.201.0.1

# set_loss PERCENT makes each namespace drop that share of the UDP
# datagrams arriving on its veth end.
set_loss() {
	local per10k
	per10k=$(awk -v p="$1" 'BEGIN { printf "%d", p * 100 }')
	for ns in "$ns_s" "$ns_c"; do
		ip netns exec "$ns" nft -f - <<-EOF
			table inet benchloss
			delete table inet benchloss
			table inet benchloss {
				chain input {
					type filter hook input priority 0; policy accept;
					iifname "veth-*" meta l4proto udp numgen random mod 10000 < $per10k drop
				}
			}
		EOF
	done
}

atftpd=${ATFTPD:-}
if [ -z "$atftpd" ]; then
	if command -v atftpd >/dev/null 2>&1; then
		atftpd=$(command -v atftpd)
	else
		echo "fetching atftpd (apt-get download)" >&2
		(cd "$work" && apt-get download atftpd >/dev/null 2>&1 && dpkg-deb -x atftpd_*.deb atftpd-root)
		atftpd=$work/atftpd-root/usr/sbin/atftpd
	fi
fi

echo "building natterd and xferbench" >&2
"$GO" build -o "$work/natterd" ./server/cmd/natterd
"$GO" build -o "$work/xferbench" ./server/internal/xferbench

shared=$work/shared   # natterd's folder
plain=$work/plain     # tftpd-hpa's and atftpd's
mkdir -p "$shared" "$plain"
chmod 777 "$work" "$plain"
chmod 755 "$shared"
head -c $((LOSS_MIB << 20)) /dev/urandom >"$shared/loss.bin"
head -c $((LOOP_MIB << 20)) /dev/urandom >"$shared/loop.bin"
cp "$shared/loss.bin" "$shared/loop.bin" "$plain/"
chmod 644 "$shared"/*.bin "$plain"/*.bin
loss_size=$((LOSS_MIB << 20))
loop_size=$((LOOP_MIB << 20))
loss_sum=$(sha256sum "$shared/loss.bin" | cut -d' ' -f1)
loop_sum=$(sha256sum "$shared/loop.bin" | cut -d' ' -f1)
upload_src=$work/up.bin
cp "$shared/loss.bin" "$upload_src"

# Servers: natterd on the veth address (TCP and UDP on 50000) and on the
# server namespace's loopback; tftpd-hpa at its best on the veth, as Debian
# runs it on loopback; atftpd on loopback.
"${in_s[@]}" taskset -c "$srv_cpu" "$work/natterd" -addr "$srv:50000" -udp-addr "$srv:50000" -dir "$shared" \
	-tftp-public -announce=false -http-addr "" -metrics-addr "" -tls-addr "" -data-dir - -max-upload 1GiB -log-level warn >"$work/natterd.out" 2>&1 &
pids+=($!)
"${in_s[@]}" taskset -c "$srv_cpu" "$work/natterd" -addr 127.0.0.1:50001 -udp-addr 127.0.0.1:50001 -dir "$shared" \
	-tftp-public -announce=false -http-addr "" -metrics-addr "" -tls-addr "" -data-dir - -log-level warn >"$work/natterd-lo.out" 2>&1 &
pids+=($!)
natterd_lo=$!
"${in_s[@]}" taskset -c "$srv_cpu" in.tftpd -L -s -c -u root -r timeout -T 10000 -a "$srv:69" "$plain" >"$work/tftpd.out" 2>&1 &
pids+=($!)
"${in_s[@]}" taskset -c "$srv_cpu" in.tftpd -L -s -u root -a 127.0.0.1:70 "$plain" >"$work/tftpd-lo.out" 2>&1 &
pids+=($!)
"${in_s[@]}" taskset -c "$srv_cpu" "$atftpd" --daemon --no-fork --user root --group root --port 71 --bind-address 127.0.0.1 \
	--logfile /dev/null "$plain" >"$work/atftpd.out" 2>&1 &
pids+=($!)
atftpd_lo=$!
set_loss 0

# Wait for the servers and check each stock client's copy once.
check() {
	local what=$1 want=$2
	shift 2
	for _ in $(seq 50); do
		rm -f "$work/check.bin"
		if timeout 10 "$@" >/dev/null 2>&1 && [ -f "$work/check.bin" ] &&
			[ "$(sha256sum "$work/check.bin" | cut -d' ' -f1)" = "$want" ]; then
			rm -f "$work/check.bin"
			return
		fi
		sleep 0.2
	done
	echo "bench-transfer: $what did not deliver an intact copy: $("$@" 2>&1 | tail -c 300)" >&2
	cat "$work"/*.out >&2
	exit 1
}
check "natterd to curl" "$loss_sum" "${in_c[@]}" curl -sS --tftp-blksize 2048 -o "$work/check.bin" "tftp://$srv:50000/loss.bin"
check "tftpd-hpa to curl" "$loss_sum" "${in_c[@]}" curl -sS --tftp-blksize 2048 -o "$work/check.bin" "tftp://$srv:69/loss.bin"
check "tftpd-hpa to curl (loopback)" "$loop_sum" "${in_s[@]}" curl -sS --tftp-blksize 2048 -o "$work/check.bin" "tftp://127.0.0.1:70/loop.bin"
check "atftpd to atftp (loopback)" "$loop_sum" "${in_s[@]}" atftp --option "blksize 2048" --option "windowsize 16" \
	-g -r loop.bin -l "$work/check.bin" 127.0.0.1 71
"${in_s[@]}" "$work/xferbench" get -addr 127.0.0.1:50001 -file loop.bin -sha256 "$loop_sum" -timeout 30s >/dev/null

now_ns() { date +%s%N; }

# run CPU BYTES CMD... runs CMD pinned to CPU and sets rate to its MB/s
# over its whole run, or to "failed"; its output is left in run.out.
rate=
run() {
	local cpu=$1 bytes=$2 start end
	shift 2
	start=$(now_ns)
	if ! timeout "$TIMEOUT" taskset -c "$cpu" "$@" >"$work/run.out" 2>&1; then
		echo "  failed: $*: $(tail -c 300 "$work/run.out")" >&2
		rate=failed
		return
	fi
	end=$(now_ns)
	rate=$(awk -v b="$bytes" -v s="$start" -v e="$end" 'BEGIN { printf "%.2f", b / ((e - s) / 1e9) / 1e6 }')
}

# counted NAME adds the counts Natter's client printed in run.out to the
# totals of NAME: blocks, ACKs sent again, DATA received twice.
declare -A blocks resent dups
counted() {
	local b r d
	read -r b r d < <(tr ' ' '\n' <"$work/run.out" | awk -F= '
		$1 == "blocks" { b = $2 } $1 == "retransmits" { r = $2 } $1 == "dupdata" { d = $2 }
		END { print b + 0, r + 0, d + 0 }')
	blocks[$1]=$((${blocks[$1]:-0} + b))
	resent[$1]=$((${resent[$1]:-0} + r))
	dups[$1]=$((${dups[$1]:-0} + d))
}

# cpu_ticks PID prints the CPU time PID and its reaped children have used,
# in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"; }

# run_cpu NAME SERVER_PID CPU BYTES CMD... is run, and adds to the totals of
# NAME the CPU seconds of the client (with its children) and of the server
# (SERVER_PID -: not known).
declare -A cli_cpu_s srv_cpu_s
tick=$(getconf CLK_TCK)
run_cpu() {
	local name=$1 spid=$2 cpu=$3 bytes=$4 before after
	shift 4
	before=0 after=0
	[ "$spid" = - ] || before=$(cpu_ticks "$spid")
	run "$cpu" "$bytes" /usr/bin/time -o "$work/time.out" -f '%U %S' "$@"
	[ "$spid" = - ] || after=$(cpu_ticks "$spid")
	[ "$rate" = failed ] && return
	cli_cpu_s[$name]=$(awk -v t="${cli_cpu_s[$name]:-0}" '{ printf "%.2f", t + $1 + $2 }' "$work/time.out")
	[ "$spid" = - ] ||
		srv_cpu_s[$name]=$(awk -v t="${srv_cpu_s[$name]:-0}" -v d=$((after - before)) -v hz="$tick" 'BEGIN { printf "%.2f", t + d / hz }')
}

median() {
	printf '%s\n' "$@" | grep -v '^failed$' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "failed" }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

declare -A res # res[pair/loss] = the rates of its runs

add() { res[$1]="${res[$1]:-} $rate"; }

uploads=0
for loss in $LOSSES; do
	set_loss "$loss"
	echo "veth, $loss% loss, $LOSS_MIB MiB, $RUNS runs of each pair" >&2
	for i in $(seq "$RUNS"); do
		run "$cli_cpu" "$loss_size" "${in_c[@]}" curl -sS --tftp-blksize 2048 -o /dev/null "tftp://$srv:69/loss.bin"
		add "hpa-curl/$loss"
		run "$cli_cpu" "$loss_size" "${in_c[@]}" curl -sS --tftp-blksize 2048 -o /dev/null "tftp://$srv:50000/loss.bin"
		add "nat-curl/$loss"
		uploads=$((uploads + 1))
		rm -f "$plain/up$uploads.bin"
		run "$cli_cpu" "$loss_size" "${in_c[@]}" curl -sS --tftp-blksize 2048 -T "$upload_src" "tftp://$srv:69/up$uploads.bin"
		add "hpa-curlT/$loss"
		rm -f "$plain/up$uploads.bin"
		# xferbench put times curl itself; its own line is the rate.
		run "$cli_cpu" "$loss_size" "${in_c[@]}" "$work/xferbench" put -hub "$srv:50000" -file "$upload_src" -curl -timeout "${TIMEOUT}s"
		if [ "$rate" != failed ]; then
			rate=$(tr ' ' '\n' <"$work/run.out" | awk -F= '$1 == "MBps" { print $2 }')
		fi
		add "nat-curlT/$loss"
		rm -f "$shared"/up*.bin
		run "$cli_cpu" "$loss_size" "${in_c[@]}" "$work/xferbench" get -addr "$srv:50000" -file loss.bin -sha256 "$loss_sum" -timeout "${TIMEOUT}s"
		add "nat-ours/$loss"
		[ "$rate" = failed ] || counted "nat-ours/$loss"
		echo "  run $i:$(for k in hpa-curl nat-curl hpa-curlT nat-curlT nat-ours; do printf ' %s %s' "$k" "${res[$k/$loss]##* }"; done)" >&2
	done
done
set_loss 0

echo "loopback, pinned to CPU $srv_cpu, $LOOP_MIB MiB, $RUNS runs of each pair" >&2
for i in $(seq "$LOOP_RUNS"); do
	run_cpu lo-hpa-curl - "$srv_cpu" "$loop_size" "${in_s[@]}" curl -sS --tftp-blksize 2048 -o /dev/null "tftp://127.0.0.1:70/loop.bin"
	add "lo-hpa-curl"
	run_cpu lo-ours-w1 "$natterd_lo" "$srv_cpu" "$loop_size" "${in_s[@]}" "$work/xferbench" get -addr 127.0.0.1:50001 -file loop.bin -sha256 "$loop_sum" -timeout "${TIMEOUT}s"
	add "lo-ours-w1"
	[ "$rate" = failed ] || counted "lo-ours-w1"
	run_cpu lo-atftp-w16 "$atftpd_lo" "$srv_cpu" "$loop_size" "${in_s[@]}" atftp --option "blksize 2048" --option "windowsize 16" -g -r loop.bin -l /dev/null 127.0.0.1 71
	add "lo-atftp-w16"
	run_cpu lo-ours-w16 "$natterd_lo" "$srv_cpu" "$loop_size" "${in_s[@]}" "$work/xferbench" get -addr 127.0.0.1:50001 -file loop.bin -sha256 "$loop_sum" -timeout "${TIMEOUT}s" -window 16
	add "lo-ours-w16"
	[ "$rate" = failed ] || counted "lo-ours-w16"
	echo "  run $i:$(for k in lo-hpa-curl lo-ours-w1 lo-atftp-w16 lo-ours-w16; do printf ' %s %s' "$k" "${res[$k]##* }"; done)" >&2
done

m() {
	# shellcheck disable=SC2086 # the runs are words
	median ${res[$1]:-}
}

echo
echo "Median MB/s of $RUNS runs; veth between two namespaces, nftables dropping UDP on both inputs; $LOSS_MIB MiB, blksize 2048"
printf '%-48s %9s %9s %9s\n' "pair" "0%" "1%" "5%"
for row in "hpa-curl:tftpd-hpa -r timeout -T 10000 + curl" "nat-curl:natterd + curl" \
	"hpa-curlT:tftpd-hpa -r timeout -T 10000 + curl -T" "nat-curlT:natterd + curl -T" \
	"nat-ours:natterd + Natter's client (window 1)"; do
	k=${row%%:*}
	printf '%-48s %9s %9s %9s\n' "${row#*:}" "$(m "$k/0")" "$(m "$k/1")" "$(m "$k/5")"
done
echo
echo "Loopback in one namespace, server and client pinned to CPU $srv_cpu; $LOOP_MIB MiB, blksize 2048"
echo "(CPU: microseconds per 2048-byte block, client and server, over all runs: where the time goes)"
# per_block NAME SECONDS prints SECONDS over the blocks of NAME's runs.
per_block() {
	local n
	n=$(printf '%s\n' ${res[$1]:-} | grep -cv '^failed$' || true)
	awk -v s="${2:-0}" -v n="$n" -v b=$((loop_size / 2048)) 'BEGIN { if (n > 0) printf "%.1f", s * 1e6 / (n * b); else print "n/a" }'
}
printf '%-48s %9s %11s %11s\n' "pair" "MB/s" "client CPU" "server CPU"
for row in "lo-hpa-curl:tftpd-hpa + curl" "lo-ours-w1:natterd + Natter's client, window 1 (SHA-256)" \
	"lo-atftp-w16:atftpd + atftp, windowsize 16" "lo-ours-w16:natterd + Natter's client, window 16 (SHA-256)"; do
	k=${row%%:*}
	printf '%-48s %9s %11s %11s\n' "${row#*:}" "$(m "$k")" "$(per_block "$k" "${cli_cpu_s[$k]:-}")" "$(per_block "$k" "${srv_cpu_s[$k]:-}")"
done
echo
echo "Ratios (goal in brackets)"
goal() { printf '%-58s %7s   [%s]\n' "$1" "$2" "$3"; }
goal "natterd/tftpd-hpa, curl download, 1% loss" "$(ratio "$(m nat-curl/1)" "$(m hpa-curl/1)")" ">= 2"
goal "natterd/tftpd-hpa, curl download, 5% loss" "$(ratio "$(m nat-curl/5)" "$(m hpa-curl/5)")" ">= 2"
goal "natterd/tftpd-hpa, curl -T upload, 1% loss" "$(ratio "$(m nat-curlT/1)" "$(m hpa-curlT/1)")" ">= 2"
goal "natterd/tftpd-hpa, curl -T upload, 5% loss" "$(ratio "$(m nat-curlT/5)" "$(m hpa-curlT/5)")" ">= 2"
goal "Natter's client, 1% loss / no loss" "$(ratio "$(m nat-ours/1)" "$(m nat-ours/0)")" ">= 0.85"
goal "Natter's client, 5% loss / no loss" "$(ratio "$(m nat-ours/5)" "$(m nat-ours/0)")" ">= 0.6"
goal "Natter's client / tftpd-hpa + curl, 1% loss" "$(ratio "$(m nat-ours/1)" "$(m hpa-curl/1)")" ">= 3"
goal "Natter's client / tftpd-hpa + curl, 5% loss" "$(ratio "$(m nat-ours/5)" "$(m hpa-curl/5)")" ">= 5"
goal "loopback window 1: Natter / tftpd-hpa + curl" "$(ratio "$(m lo-ours-w1)" "$(m lo-hpa-curl)")" ">= 1.0"
goal "loopback window 16: Natter / atftpd + atftp" "$(ratio "$(m lo-ours-w16)" "$(m lo-atftp-w16)")" ">= 1.0"
echo
echo "Retransmissions seen by Natter's client, all runs: ACKs it sent again and DATA received twice, as a share"
echo "of the packets both ends sent (about two per block; at 0% loss every retransmission arrives, so this is all of them)"
for k in nat-ours/0 nat-ours/1 nat-ours/5 lo-ours-w1 lo-ours-w16; do
	b=${blocks[$k]:-0} r=${resent[$k]:-0} d=${dups[$k]:-0}
	printf '%-16s blocks %9d  ACKs again %7d  DATA twice %7d  share %s%%\n' "$k" "$b" "$r" "$d" \
		"$(awk -v b="$b" -v x=$((r + d)) 'BEGIN { if (b > 0) printf "%.3f", 100 * x / (2 * b + x); else print "n/a" }')"
done
