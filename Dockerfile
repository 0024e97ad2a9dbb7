# natterd, the Natter hub, in a container: a static binary on an empty
# image, running as an unprivileged user, with the shared folder on a
# volume. See the README, "In a container".
#
#   docker build -t natterd .
#   docker run -d --name natterd --network host -v natter-shared:/shared natterd
#
# --network host lets multicast DNS announce the hub on the LAN; with
# published ports instead (-p 50000:50000/tcp -p 50000:50000/udp
# -p 50010-50073:50010-50073/udp -p 50080:50080/tcp) the hub works but is found only by its
# address.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=
# The app for the browser, embedded into natterd (README, "Joining from a phone").
RUN make web
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
	-o /out/natterd ./server/cmd/natterd && mkdir -p /out/shared

FROM scratch
COPY --from=build /out/natterd /natterd
COPY --from=build --chown=65532:65532 /out/shared /shared
USER 65532:65532
ENV NATTER_DIR=/shared \
	NATTER_LOG_FORMAT=json \
	NATTER_UDP_PORTS=50010-50073
VOLUME ["/shared"]
EXPOSE 50000/tcp 50000/udp 50010-50073/udp 50080/tcp
ENTRYPOINT ["/natterd"]
