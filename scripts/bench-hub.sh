#!/usr/bin/env bash
# bench-hub.sh: the standard load matrix for the Natter hub.
#
# Builds natterd and natterload, then runs each case RUNS times (default 3),
# each against a fresh hub on a free loopback port started by natterload
# with the hub's flood limit lifted, and prints a table of medians:
#
#   1. 1000 clients, 2 senders x 2000 messages of 64 bytes at full speed:
#      deliveries per second, messages lost.
#   2. 1000 clients, 2 senders at 100 msg/s each for 10 s: latency p50/p99/max,
#      with the senders sending at the same instants, and spread over each
#      10 ms interval (-spread).
#   3. 1000 and 10,000 idle clients: hub memory per idle client.
#
# Cases 1 and 2 also run against a hub without its store (-data-dir -):
# the hub writes every message to its database before sending it, and the
# store-off figures are the baseline that cost is measured against.
#
# Case 2 is run against a plain relay too (server/internal/floorrelay: one
# write per client per message in turn, no checks, no limits), as the
# baseline for latency on this machine: both fan out the same way, so the
# relay's figures are what the cores leave for any hub.
#
# The machine's load from anything else shows in every figure: the hub and
# natterload share its cores, and the CPU rows say how much each used.
#
# Environment: RUNS (default 3), GO (default go), NATTERD (a hub binary to
# measure instead of building ./server/cmd/natterd), KEEP=1 keeps the JSON
# reports (their folder is printed). The exit status is non-zero if any run
# failed or was incomplete.
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
RUNS=${RUNS:-3}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-hub.XXXXXX")
running=""
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ -n "$running" ] && kill -0 "$running" 2>/dev/null; then
		# natterload stops the hub it started; the hub dies with it anyway
		# (parent-death signal).
		kill -TERM "$running" 2>/dev/null || true
		sleep 1
		kill -KILL "$running" 2>/dev/null || true
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "reports kept in $work" >&2
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "building natterd and natterload" >&2
if [ -n "${NATTERD:-}" ]; then
	cp "$NATTERD" "$work/natterd"
else
	"$GO" build -o "$work/natterd" ./server/cmd/natterd
fi
"$GO" build -o "$work/natterload" ./server/cmd/natterload
"$GO" build -o "$work/floorrelay" ./server/internal/floorrelay

# 10,000 clients take 10,000 sockets in natterload and as many in the hub,
# which inherits the limit.
want=20000
if [ "$(ulimit -Hn)" != unlimited ] && [ "$(ulimit -Hn)" -lt "$want" ]; then
	ulimit -Hn "$want" 2>/dev/null || true
fi
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge "$want" ]; then
	ulimit -n "$want"
else
	ulimit -n "$(ulimit -Hn)"
fi
if [ "$(ulimit -n)" -lt 10100 ]; then
	echo "open-file limit is $(ulimit -n) (hard $(ulimit -Hn)): the 10,000-client case needs about 10100;" \
		"raise the hard limit (as root, or in /etc/security/limits.conf)" >&2
fi

failed=0

# run NAME TIMEOUT ARGS...: one natterload run against natterd, its JSON
# report in $work/NAME.json; a failed run is noted and the matrix goes on.
run() {
	local name=$1 limit=$2
	shift 2
	runhub "$name" "$limit" -spawn-hub "$work/natterd" "$@"
}

# relay NAME TIMEOUT ARGS...: the same against the plain relay, which sends
# no JOIN to wait for.
relay() {
	local name=$1 limit=$2
	shift 2
	runhub "$name" "$limit" -spawn-hub "$work/floorrelay" -hub-args "" -settle-timeout 1ms "$@"
}

runhub() {
	local name=$1 limit=$2
	shift 2
	local secs=${limit%s}
	timeout -k 10 $((secs + 30)) "$work/natterload" -q -json -timeout "$limit" "$@" \
		>"$work/$name.json" 2>"$work/$name.err" &
	running=$!
	local status=0
	wait "$running" || status=$?
	running=""
	if [ "$status" != 0 ]; then
		failed=1
		echo "  $name: natterload exited with status $status: $(tail -n 3 "$work/$name.err" | tr '\n' ' ')" >&2
	fi
}

# field NAME KEY: a top-level number or boolean from a run's JSON report.
field() {
	sed -n "s/^  \"$2\": \([^,]*\),\{0,1\}\$/\1/p" "$work/$1.json" 2>/dev/null | head -n 1
}

# median FORMAT: the median of the numbers on stdin, or "-" when there are
# none.
median() {
	sort -g | awk -v f="$1" '{ v[NR] = $1 }
		END { if (NR == 0) print "-"; else if (NR % 2) printf f "\n", v[(NR + 1) / 2]; else printf f "\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# row LABEL CASE KEY SCALE FORMAT: one table row with every run's value of
# KEY (divided by SCALE) and their median.
row() {
	local label=$1 case=$2 key=$3 scale=$4 fmt=$5 values="" v
	for i in $(seq 1 "$RUNS"); do
		v=$(field "$case-$i" "$key")
		if [ -n "$v" ]; then
			values="$values $(awk -v v="$v" -v s="$scale" -v f="$fmt" 'BEGIN { printf f, v / s }')"
		else
			values="$values -"
		fi
	done
	local med
	# shellcheck disable=SC2086 # one value a line
	med=$(printf '%s\n' $values | grep -v '^-$' | median "$fmt")
	printf '%-44s %-36s %s\n' "$label" "$values" "$med"
}

for i in $(seq 1 "$RUNS"); do
	echo "run $i/$RUNS" >&2
	echo "  1: 1000 clients, 2 senders x 2000 at full speed" >&2
	run "full-$i" 120s -clients 1000 -senders 2 -messages 2000 -size 64
	echo "  2: 1000 clients, 2 senders x 100 msg/s for 10 s" >&2
	run "paced-$i" 90s -clients 1000 -senders 2 -messages 1000 -rate 100 -size 64
	echo "  1, 2: the same without the store" >&2
	run "full-nostore-$i" 120s -clients 1000 -senders 2 -messages 2000 -size 64 -hub-args "-rate inf -host-exempt 127.0.0.0/8,::1 -data-dir - -tls-addr="
	run "paced-nostore-$i" 90s -clients 1000 -senders 2 -messages 1000 -rate 100 -size 64 -hub-args "-rate inf -host-exempt 127.0.0.0/8,::1 -data-dir - -tls-addr="
	relay "relay-paced-$i" 90s -clients 1000 -senders 2 -messages 1000 -rate 100 -size 64
	echo "  2: the same, the senders spread over each interval" >&2
	run "spread-$i" 90s -clients 1000 -senders 2 -messages 1000 -rate 100 -size 64 -spread
	relay "relay-spread-$i" 90s -clients 1000 -senders 2 -messages 1000 -rate 100 -size 64 -spread
	echo "  3: 1000 idle clients" >&2
	run "idle1k-$i" 120s -clients 1000 -senders 0
	echo "  3: 10000 idle clients" >&2
	run "idle10k-$i" 480s -clients 10000 -senders 0
done

echo
printf '%-44s %-36s %s\n' "figure" "runs" "median"
row "1. deliveries/s (1000 clients, 2x2000)" full deliveries_per_sec 1 '%.0f'
row "1. store off: deliveries/s" full-nostore deliveries_per_sec 1 '%.0f'
row "1. lost" full lost 1 '%d'
row "1. out of order" full out_of_order 1 '%d'
row "1. dropped clients" full dropped 1 '%d'
row "1. connect 1000 clients (ms)" full connect_ns 1e6 '%.0f'
row "1. hub CPU while sending (s)" full hub_cpu_send_ns 1e9 '%.2f'
row "1. natterload CPU while sending (s)" full own_cpu_send_ns 1e9 '%.2f'
row "1. first send to last delivery (s)" full delivery_ns 1e9 '%.2f'
row "2. latency p50 (ms, 2x100 msg/s)" paced latency_p50_ns 1e6 '%.2f'
row "2. latency p99 (ms)" paced latency_p99_ns 1e6 '%.2f'
row "2. latency max (ms)" paced latency_max_ns 1e6 '%.2f'
row "2. store off: latency p50 (ms)" paced-nostore latency_p50_ns 1e6 '%.2f'
row "2. store off: latency p99 (ms)" paced-nostore latency_p99_ns 1e6 '%.2f'
row "2. plain relay: latency p50 (ms)" relay-paced latency_p50_ns 1e6 '%.2f'
row "2. plain relay: latency p99 (ms)" relay-paced latency_p99_ns 1e6 '%.2f'
row "2. spread: latency p50 (ms)" spread latency_p50_ns 1e6 '%.2f'
row "2. spread: latency p99 (ms)" spread latency_p99_ns 1e6 '%.2f'
row "2. spread: latency max (ms)" spread latency_max_ns 1e6 '%.2f'
row "2. spread, plain relay: latency p50 (ms)" relay-spread latency_p50_ns 1e6 '%.2f'
row "2. spread, plain relay: latency p99 (ms)" relay-spread latency_p99_ns 1e6 '%.2f'
row "2. lost" paced lost 1 '%d'
row "2. hub CPU while sending (s of 10)" paced hub_cpu_send_ns 1e9 '%.2f'
row "2. natterload CPU while sending (s of 10)" paced own_cpu_send_ns 1e9 '%.2f'
row "3. hub RSS idle, 1000 clients (MiB)" idle1k hub_rss_idle_kb 1024 '%.1f'
row "3. hub RSS per idle client, 1000 (bytes)" idle1k hub_rss_per_client_bytes 1 '%.0f'
row "3. connect 10000 clients (ms)" idle10k connect_ns 1e6 '%.0f'
row "3. hub CPU connecting 10000 (s)" idle10k hub_cpu_connect_ns 1e9 '%.1f'
row "3. natterload CPU connecting 10000 (s)" idle10k own_cpu_connect_ns 1e9 '%.1f'
row "3. hub RSS idle, 10000 clients (MiB)" idle10k hub_rss_idle_kb 1024 '%.1f'
row "3. hub RSS per idle client, 10000 (bytes)" idle10k hub_rss_per_client_bytes 1 '%.0f'

exit "$failed"
