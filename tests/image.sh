#!/usr/bin/env bash
# Builds the Dockerfile with Debian's podman, runs the image and checks that it serves the map as a
# non-root user: `make image-test`. Not part of `make test`: a cold in-image release build takes
# longer than the test budget allows.
#
# These machines reach Debian's mirror but not Docker Hub, so the two base images are made here: the
# runtime from a debootstrap of Debian 12 (what debian:bookworm-slim is), the build stage from the same
# with this machine's Rust toolchain added (what rust:1.95-bookworm is). Elsewhere, the Dockerfile's
# defaults pull the official images and this script is not needed.
set -euo pipefail
cd "$(dirname "$0")/.."
GEODATA=${GEODATA:-../shared/geodata}
WORK=target/image
mkdir -p "$WORK"

for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || {
    apt-get update -q && apt-get install -y -q --no-install-recommends podman runc debootstrap uidmap
    break
  }
done

# This kind of machine has a hybrid cgroup hierarchy and a capped RLIMIT_NPROC: podman needs runc,
# cgroupfs and no default ulimits to start containers here.
cat >"$WORK/containers.conf" <<'CONF'
[containers]
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
CONF
export CONTAINERS_CONF="$PWD/$WORK/containers.conf"

if ! podman image exists localhost/territoires-base:bookworm; then
  rootfs="$WORK/rootfs"
  # debootstrap may leave /proc and /sys mounted inside: unmount before archiving or removing.
  unmount() { for m in proc sys; do umount -R "$rootfs/$m" 2>/dev/null || true; done; }
  unmount && rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian
  unmount
  tar -C "$rootfs" --one-file-system -c . | podman import - localhost/territoires-base:bookworm
  rm -rf "$rootfs"
fi

if ! podman image exists localhost/territoires-rust:bookworm; then
  toolchain=$(rustc --print sysroot)
  rm -rf "$WORK/rust" && mkdir -p "$WORK/rust/usr/local"
  cp -r "$toolchain/bin" "$toolchain/lib" "$WORK/rust/usr/local/"
  rm -rf "$WORK/rust/usr/local/lib/rustlib/"*/analysis "$WORK/rust/usr/local/lib/rustlib/src"
  # This machine reaches the registries through an egress proxy with its own certificate authority,
  # which the build stage must trust as the machine does.
  mkdir -p "$WORK/rust/ca" && cp /usr/local/share/ca-certificates/*.crt "$WORK/rust/ca/" 2>/dev/null || true
  cat >"$WORK/Containerfile.rust" <<'CONF'
FROM localhost/territoires-base:bookworm
RUN apt-get update -q && apt-get install -y -q --no-install-recommends gcc libc6-dev ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY ca/ /usr/local/share/ca-certificates/
RUN update-ca-certificates
COPY usr/local /usr/local
ENV CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:/usr/local/bin:/usr/bin:/bin \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt
CONF
  podman build --network host -f "$WORK/Containerfile.rust" -t localhost/territoires-rust:bookworm "$WORK/rust"
  rm -rf "$WORK/rust"
fi

started=$(date +%s)
podman build --network host \
  --build-arg RUST_IMAGE=localhost/territoires-rust:bookworm \
  --build-arg RUNTIME_IMAGE=localhost/territoires-base:bookworm \
  --build-context geodata="$GEODATA" \
  -t localhost/territoires:test .
echo "image built in $(( $(date +%s) - started )) s"
podman image inspect localhost/territoires:test --format 'size: {{.Size}} bytes, user: {{.Config.User}}'

name=territoires-image-test
podman rm -f "$name" >/dev/null 2>&1 || true
trap 'podman rm -f "$name" >/dev/null 2>&1 || true' EXIT
podman run -d --name "$name" --network host localhost/territoires:test >/dev/null
podman exec "$name" sh -c 'test "$(id -u)" = 10001' || { echo "the server does not run as uid 10001"; exit 1; }
for _ in $(seq 1 120); do
  if health=$(curl -fsS http://127.0.0.1:8080/healthz 2>/dev/null); then break; fi
  sleep 0.5
done
echo "healthz: $health"
echo "$health" | grep -q '"status":"ok"'
curl -fsS 'http://127.0.0.1:8080/api/locate?lat=49.835&lon=3.907' | grep -q '"communes"'
curl -fsS -o /dev/null -w 'map page: %{http_code}, %{size_download} bytes\n' http://127.0.0.1:8080/
curl -fsS -o /dev/null http://127.0.0.1:8080/vendor/leaflet/leaflet.js
echo "image test passed"
