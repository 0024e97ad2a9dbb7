#!/usr/bin/env bash
# dist.sh: everything `make dist` ships, in bin/dist:
#   natterd-<version>-linux-{amd64,arm64,arm}   static hub binaries (no cgo)
#   natterd_<version>_{amd64,arm64,armhf}.deb   the hub: binary, systemd unit,
#                                               /etc/default/natterd
#   natter_<version>_amd64.deb                  the desktop app: binary, menu
#                                               entry, hicolor icons
#   natter-<version>-windows-amd64.zip          the app for Windows, icon inside
#
# VERSION defaults to the newest v* tag on HEAD, else 0.1.0~git<date>.<rev>.
# Packages are built with nfpm and the Windows icon resource with go-winres,
# both fetched as Go modules.
set -euo pipefail
cd "$(dirname "$0")/.."

GO=${GO:-go}
NFPM=${NFPM:-github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2}
WINRES=${WINRES:-github.com/tc-hib/go-winres@v0.3.3}
OUT=bin/dist

version() {
	local tag
	if tag=$(git describe --tags --exact-match --match 'v[0-9]*' 2>/dev/null); then
		echo "${tag#v}"
		return
	fi
	local rev date
	rev=$(git rev-parse --short=12 HEAD)
	date=$(git show -s --format=%cd --date=format:%Y%m%d HEAD)
	echo "0.1.0~git${date}.${rev}"
}
VERSION=${VERSION:-$(version)}
export PKG_VERSION=$VERSION
LDFLAGS="-s -w -X main.version=$VERSION"

rm -rf "$OUT"
mkdir -p "$OUT/icons"
echo "== natter $VERSION"

# Static hub binaries.
for arch in amd64 arm64 arm; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch GOARM=7 $GO build -trimpath -buildvcs=true -ldflags "$LDFLAGS" \
		-o "$OUT/natterd-$VERSION-linux-$arch" ./server/cmd/natterd
done

# The unit as installed by the package: the binary lives in /usr/bin.
sed 's#/usr/local/bin/natterd#/usr/bin/natterd#g' server/natterd.service >"$OUT/natterd.service"

nfpm() { $GO run "$NFPM" "$@"; }
for arch in amd64 arm64 arm; do
	debarch=$arch
	[ "$arch" = arm ] && debarch=armhf
	PKG_ARCH=$debarch PKG_BIN="$OUT/natterd-$VERSION-linux-$arch" \
		nfpm package --config packaging/natterd.yaml --packager deb --target "$OUT/"
done

# The desktop app for this machine (cgo: Gio's window needs it).
$GO build -trimpath -buildvcs=true -ldflags "$LDFLAGS" -o "$OUT/natter-linux-amd64" ./app/cmd/natter
for size in 16 24 32 48 64 128 256 512; do
	mkdir -p "$OUT/icons/${size}x${size}/apps"
	convert icons/appicon.png -resize "${size}x${size}" "$OUT/icons/${size}x${size}/apps/natter.png"
done
PKG_ARCH=amd64 PKG_BIN="$OUT/natter-linux-amd64" \
	nfpm package --config packaging/natter.yaml --packager deb --target "$OUT/"

# The app for Windows, without cgo, its icon as a resource next to main.
syso=app/cmd/natter/rsrc_windows_amd64.syso
trap 'rm -f "$syso"' EXIT
$GO run "$WINRES" simply --arch amd64 --icon icons/appicon.png --manifest gui \
	--product-name Natter --file-description "Natter chat" \
	--file-version "${VERSION%%~*}.0" --product-version "${VERSION%%~*}.0" --out app/cmd/natter/rsrc
CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $GO build -trimpath -buildvcs=true -ldflags "$LDFLAGS -H=windowsgui" \
	-o "$OUT/natter.exe" ./app/cmd/natter
rm -f "$syso"
(cd "$OUT" && rm -f "natter-$VERSION-windows-amd64.zip" && zip -q -9 "natter-$VERSION-windows-amd64.zip" natter.exe && rm natter.exe)

rm -rf "$OUT/icons" "$OUT/natterd.service"
echo "== $OUT"
ls -l "$OUT"
