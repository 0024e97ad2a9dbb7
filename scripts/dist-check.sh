#!/usr/bin/env bash
# dist-check.sh: install what `make dist` built on this machine, use it,
# and remove it again. Needs root (dpkg, apt-get); CI runs it.
#   1. natterd's .deb with dpkg -i: the files are where the unit expects
#      them, the installed binary reports its version, serves a chat on
#      loopback (two sessions: one says something, the other hears it),
#      counts it in natterd -status, and stops gracefully on SIGTERM.
#   2. The app's .deb with apt-get (which brings its libraries): binary,
#      menu entry and icons in place, `natter -h` runs.
#   3. Both removed and purged: nothing of theirs is left.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=bin/dist
PORT=${PORT:-50640}
[ "$(id -u)" = 0 ] || { echo "dist-check: needs root (dpkg -i)" >&2; exit 1; }

fail() { echo "dist-check: $*" >&2; exit 1; }
deb() { ls "$OUT"/"$1"_*_amd64.deb 2>/dev/null | head -1; }
hub_deb=$(deb natterd)
app_deb=$(deb natter)
[ -n "$hub_deb" ] && [ -n "$app_deb" ] || fail "no packages in $OUT: run make dist first"
want_version=$(dpkg-deb -f "$hub_deb" Version)

work=$(mktemp -d)
hub_pid=
cleanup() {
	[ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null || true
	exec 3>&- 4>&- 2>/dev/null || true
	dpkg -P natter natterd >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

echo "== dpkg -i $hub_deb"
dpkg -i "$hub_deb" >/dev/null
for f in /usr/bin/natterd /usr/lib/systemd/system/natterd.service /etc/default/natterd; do
	[ -e "$f" ] || fail "$f is not installed"
done
grep -q '^ExecStart=/usr/bin/natterd' /usr/lib/systemd/system/natterd.service || fail "the unit does not start /usr/bin/natterd"
got=$(/usr/bin/natterd -version)
echo "natterd -version: $got"
case "$got" in *"$want_version"*) ;; *) fail "natterd -version says '$got', the package is $want_version" ;; esac

echo "== the installed natterd on 127.0.0.1:$PORT"
/usr/bin/natterd -addr 127.0.0.1:$PORT -udp-addr 127.0.0.1:$PORT -dir "$work/shared" -data-dir "$work/data" \
	-tls-addr 127.0.0.1:$((PORT + 1)) -metrics-addr 127.0.0.1:$((PORT + 2)) -http-addr 127.0.0.1:$((PORT + 3)) \
	-announce=false >"$work/hub.log" 2>&1 &
hub_pid=$!
for _ in $(seq 50); do
	if bash -c "exec 9<>/dev/tcp/127.0.0.1/$PORT" 2>/dev/null; then break; fi
	sleep 0.1
done
# expect FD PATTERN: read lines from FD until one matches (at most 50 lines, 5 s each).
expect() {
	local fd=$1 pattern=$2 line
	for _ in $(seq 50); do
		IFS= read -r -t 5 -u "$fd" line || fail "no line matching '$pattern' (hub log: $(cat "$work/hub.log"))"
		line=${line%$'\r'}
		[[ $line =~ $pattern ]] && return 0
	done
	fail "no line matching '$pattern' in 50 lines"
}
exec 3<>/dev/tcp/127.0.0.1/$PORT
exec 4<>/dev/tcp/127.0.0.1/$PORT
expect 3 '^HELLO natter/1 '
expect 4 '^HELLO natter/1 '
printf 'NICK alice\n' >&3
expect 3 '^WELCOME alice'
printf 'NICK bob\n' >&4
expect 4 '^WELCOME bob'
expect 3 '^JOIN [0-9]+ bob'
printf 'MSG hello from the package\n' >&3
expect 4 '^MSG [0-9]+ alice hello from the package$'
printf 'QUIT\n' >&4
expect 4 '^BYE quit'
/usr/bin/natterd -status -metrics-addr 127.0.0.1:$((PORT + 2)) >"$work/status.txt" || fail "natterd -status failed (hub log: $(cat "$work/hub.log"))"
cat "$work/status.txt"
grep -q 'messages    1 public' "$work/status.txt" || fail "natterd -status does not count the message"
kill -TERM "$hub_pid"
expect 3 '^BYE shutdown'
wait "$hub_pid" || fail "natterd did not exit cleanly on SIGTERM (log: $(cat "$work/hub.log"))"
hub_pid=
exec 3>&- 4>&-
echo "chat through the installed hub: ok"

echo "== apt-get install $app_deb"
apt-get install -y -qq --no-install-recommends "./$app_deb" >/dev/null
for f in /usr/bin/natter /usr/share/applications/natter.desktop \
	/usr/share/icons/hicolor/48x48/apps/natter.png /usr/share/icons/hicolor/512x512/apps/natter.png; do
	[ -e "$f" ] || fail "$f is not installed"
done
/usr/bin/natter -h >"$work/app-help.txt" 2>&1 || true
grep -q -- '-nick' "$work/app-help.txt" || fail "natter -h did not print its flags: $(cat "$work/app-help.txt")"

echo "== dpkg -P natter natterd"
dpkg -P natter natterd >/dev/null
for f in /usr/bin/natterd /usr/bin/natter /usr/lib/systemd/system/natterd.service /etc/default/natterd \
	/usr/share/applications/natter.desktop /usr/share/icons/hicolor/48x48/apps/natter.png; do
	[ ! -e "$f" ] || fail "$f is still there after purge"
done
echo "dist-check: ok"
