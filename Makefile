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
# the end-to-end test under a virtual display, and the stock TFTP peers the
# transfer tests talk to.
DEBIAN_PACKAGES := gcc libc6-dev pkg-config make \
	libwayland-dev libx11-xcb-dev libxkbcommon-x11-dev libxcursor-dev libegl-dev libvulkan-dev \
	libgles2 libegl-mesa0 libgl1-mesa-dri \
	xvfb xdotool imagemagick \
	curl tftp-hpa tftpd-hpa atftp iproute2 util-linux \
	avahi-daemon avahi-utils dbus

FUZZTIME ?= 10s

.PHONY: all run server build test test-short fuzz deps lint bench bench-transfer bench-hub screenshots apk clean

all: build

run:
	$(GO) run ./server/cmd/natterd -dir ./shared

server:
	$(GO) run ./server/cmd/natterd -dir ./shared

build:
	mkdir -p $(BIN)
	$(GO) build -o $(BIN)/natterd ./server/cmd/natterd


test:
	$(GO) vet ./...
	$(GO) test -count=1 -race -timeout 20m ./...
	$(MAKE) fuzz
	$(MAKE) vet-android

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
	GOOS=android GOARCH=arm64 CGO_ENABLED=0 $(GO) vet ./core/... ./server/...

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

clean:
	rm -rf $(BIN)
