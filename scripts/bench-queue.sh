#!/usr/bin/env bash
# bench-queue.sh: which per-client out-queue size (natterd -out-queue) lets
# the hub's full-speed fan-out lose nothing, at 1,000 clients on loopback.
#
# For each traffic shape (senders x message size, 2,000 messages a sender,
# at full speed) and each queue size, one natterload run against a fresh
# hub without its store; prints deliveries/s, messages lost and clients
# dropped too-slow. The smallest size with nothing lost in every shape is
# the one a default can be chosen from; the machine's load shows in it (a
# receiver that is not scheduled falls behind), so run it on a quiet machine.
#
# Environment: SIZES (default "64KiB 96KiB 256KiB 1MiB 8MiB"), SHAPES
# (default "2x64 10x64 2x1000"), CLIENTS (default 1000), GO (default go).
set -euo pipefail

cd "$(dirname "$0")/.."
GO=${GO:-go}
SIZES=${SIZES:-"64KiB 96KiB 256KiB 1MiB 8MiB"}
SHAPES=${SHAPES:-"2x64 10x64 2x1000"}
CLIENTS=${CLIENTS:-1000}

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-queue.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$GO" build -o "$work/natterd" ./server/cmd/natterd
"$GO" build -o "$work/natterload" ./server/cmd/natterload
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

printf '%-8s %-8s %14s %10s %8s\n' shape queue deliveries/s lost dropped
for shape in $SHAPES; do
	senders=${shape%x*} size=${shape#*x}
	for q in $SIZES; do
		out=$(timeout -k 10 200 "$work/natterload" -timeout 180s -clients "$CLIENTS" \
			-senders "$senders" -messages 2000 -size "$size" -spawn-hub "$work/natterd" \
			-hub-args "-rate inf -host-exempt 127.0.0.0/8,::1 -data-dir - -http-addr= -tls-addr= -metrics-addr= -out-queue $q" 2>&1) || true
		rate=$(grep -oE '[0-9]+ deliveries/s' <<<"$out" | grep -oE '^[0-9]+' || echo -)
		lost=$(grep -oE 'lost +[0-9]+' <<<"$out" | grep -oE '[0-9]+$' || echo -)
		dropped=$(grep -oE 'dropped +[0-9]+' <<<"$out" | grep -oE '[0-9]+$' || echo -)
		printf '%-8s %-8s %14s %10s %8s\n' "$shape" "$q" "$rate" "$lost" "$dropped"
	done
done
