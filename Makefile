# stationwatch: `make run` builds the demo store from examples/ and shows it; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
SW := $(VENV)/bin/stationwatch
DEMO_DB := demo.db
VENDOR := src/stationwatch/web/static/vendor
# Debian packages the readers and tests use: OCR with the language packs of this record,
# CJK fonts to render test pages, poppler for PDF checks, chromium for browser tests,
# pango for WeasyPrint's PDF reports.
APT_PACKAGES := tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-chi-sim tesseract-ocr-chi-tra \
	tesseract-ocr-ita tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-spa tesseract-ocr-nld \
	tesseract-ocr-por tesseract-ocr-jpn tesseract-ocr-kor fonts-noto-cjk poppler-utils \
	chromium libpango-1.0-0 libpangoft2-1.0-0

.PHONY: run test test-pg install system-deps demo clean

# Ends serving the web app on http://127.0.0.1:8000 (Ctrl-C stops it).
run: install demo
	$(SW) --db sqlite:///$(DEMO_DB) tally
	$(SW) --db sqlite:///$(DEMO_DB) serve --host 127.0.0.1 --port 8000

install: $(VENV)/.installed $(VENDOR)/.installed.json

# The web app's browser assets (Leaflet, Natural Earth countries, Swagger UI), pinned npm
# packages fetched with `npm pack` and checked by SHA-256; nothing is loaded from a CDN.
$(VENDOR)/.installed.json: src/stationwatch/web/assets.py $(VENV)/.installed
	@command -v npm >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		echo "installing Debian's npm (for the web app's map assets)"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq npm >/dev/null; }
	$(VENV)/bin/python -m stationwatch.web.install_assets
	touch $@

$(VENV)/.installed: pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	touch $@

# Installs only what is missing, so a second run costs nothing.
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages: $$missing"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: install
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(SW) --db sqlite:///$(DEMO_DB) claims import examples/claims.jsonl --accept --reviewer examples

test: install system-deps
	$(VENV)/bin/pytest -rs

# The same suite on PostgreSQL: every store a fresh database on this server (see tests/conftest.py).
STATIONWATCH_CI_PG ?= postgresql://postgres@127.0.0.1:5432/test
test-pg: install system-deps
	STATIONWATCH_TEST_DB=$(STATIONWATCH_CI_PG) STATIONWATCH_REQUIRE_PG=1 $(VENV)/bin/pytest -rs

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .pytest_cache
