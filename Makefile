# Natter: a chat hub and chat client for a local network.
#
#   make run      the desktop app (join a hub, or host one on this device)
#   make test     every test, as CI runs them
#   make deps     the Debian packages that building and testing need

GO       ?= go
GOFLAGS  ?=
BIN      := bin
SUDO     := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Build (cgo, X11 + Wayland + EGL + Vulkan headers), run a window (GLES, Mesa),
# fonts for the scripts the app's own fallback faces miss (Thai, Devanagari
# and the rest), the end-to-end test under a virtual display, the stock TFTP
# peers the transfer tests talk to, nftables for bench-transfer's packet loss
# (atftpd conflicts with tftpd-hpa; the benchmark unpacks it by itself), and
# systemd-analyze and zip for the packages.
DEBIAN_PACKAGES := gcc libc6-dev pkg-config make \
	libwayland-dev libx11-xcb-dev libxkbcommon-x11-dev libxcursor-dev libegl-dev libvulkan-dev \
	libgles2 libegl-mesa0 libgl1-mesa-dri \
	fonts-noto-core fonts-noto-color-emoji \
	xvfb xdotool x11-utils imagemagick \
	curl tftp-hpa tftpd-hpa atftp iproute2 util-linux nftables zip systemd \
	openssl tcpdump \
	avahi-daemon avahi-utils dbus \
	chromium

# How long each fuzz target runs in `make test`: a count of inputs, not a
# duration. With a duration, Go 1.26's fuzzing engine can report a spurious
# "context deadline exceeded" failure when its time runs out while a worker
# is still busy on a loaded machine (go.dev/issue/75804); a count has no
# deadline to race. 200,000 inputs take 5-15 s per target here.
FUZZTIME ?= 200000x

.PHONY: all run server build web test test-short e2e fuzz vet-android deps deps-quiet lint bench bench-transfer bench-hub bench-queue screenshots dist dist-check apk clean

all: build

run: deps-quiet
	$(GO) run ./app/cmd/natter

server: web
	$(GO) run ./server/cmd/natterd -dir ./shared

build: web
	mkdir -p $(BIN)
	$(GO) build -o $(BIN)/natterd ./server/cmd/natterd
	$(GO) build -o $(BIN)/natter ./app/cmd/natter


test: web
	$(GO) vet ./...
	NATTER_E2E=1 $(GO) test -count=1 -race -timeout 20m ./...
	$(MAKE) fuzz
	$(MAKE) vet-android

# The app for the browser, embedded into natterd (server/webapp): the app
# built for js/wasm, Go's loader for it, the icon, and a gzip copy of each
# file, served to browsers that take gzip. The module is kept gzipped only
# (natterd unzips it for the rare browser that takes no gzip), so that it
# does not weigh twice in natterd. Only index.html and the manifest are in
# git; without the rest natterd serves a page saying so.
WEBAPP := server/webapp/dist
web:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags=-s -o $(WEBAPP)/app.wasm ./app/cmd/natter
	cp "$$($(GO) env GOROOT)/lib/wasm/wasm_exec.js" icons/appicon.png $(WEBAPP)/
	cd $(WEBAPP) && for f in wasm_exec.js index.html manifest.webmanifest; do gzip -9 -n -k -f $$f; done
	cd $(WEBAPP) && gzip -9 -n -f app.wasm
	@ls -l $(WEBAPP)

test-short:
	$(GO) test -count=1 -short ./...

# Each fuzz target runs briefly on top of its committed seed corpus.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for target in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$target"; \
	    $(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

# Everything that is pure Go must build for Android too.
vet-android:
	GOOS=android GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./core/... ./server/... ./icons/... ./app/ui/... ./app/theme/... ./app/prefs/... ./app/hosting/... ./app/folders/... ./internal/...

deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

deps-quiet:
	@$(MAKE) --no-print-directory deps >/dev/null

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

# The end-to-end test: the real binary in a real window under Xvfb, driven
# with xdotool. Set NATTER_E2E_SHOTS=dir to keep its screenshots.
e2e:
	NATTER_E2E=1 $(GO) test -count=1 -run TestE2E -v ./app/cmd/natter

# Every screen, light and dark, wide and narrow, rendered headless through the
# same layout code the window uses.
screenshots:
	$(GO) run ./app/cmd/screenshots -out docs/screenshots

# The hub under load: N clients, fan-out rate, latency, memory per client.
bench-hub:
	bash scripts/bench-hub.sh

# The per-client out-queue sizes at which full-speed fan-out to 1,000
# clients loses nothing (see the script's header).
bench-queue:
	bash scripts/bench-queue.sh

# Natter's TFTP against tftpd-hpa, atftpd, curl and atftp: over a veth pair
# between two network namespaces with 0%, 1% and 5% loss, and on loopback
# pinned to one CPU; one table (see the script's header). Needs root.
bench-transfer: deps-quiet
	bash scripts/bench-transfer.sh

# Packages (nfpm) and release binaries in bin/dist; dist-check installs them
# here, chats with the installed hub and removes them (root).
dist: web
	bash scripts/dist.sh

dist-check:
	bash scripts/dist-check.sh

# The Android package: needs gogio, the Android SDK and NDK (see android/README.md).
APK_VERSION ?= 0.1.0.1
apk:
	@[ -n "$$ANDROID_SDK_ROOT" ] && [ -n "$$ANDROID_NDK_ROOT" ] || { echo "set ANDROID_SDK_ROOT and ANDROID_NDK_ROOT (see android/README.md)"; exit 1; }
	gogio -target android -arch arm64,amd64 -appid chat.natter.app -name Natter -version $(APK_VERSION) \
	  -minsdk 28 -targetsdk 34 -icon icons/appicon.png -o bin/natter.apk ./app/cmd/natter

clean:
	rm -rf $(BIN)
