# placesim: `make demo` and `make test` are all a new machine needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install browser clean headline

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The default experiment: six regimes x 20 paired replications at 20,000 citizens (about 2 minutes
# on 2 cores), then its report (about 20 s), which prints the headline table and the report's path.
# The money headline of README.md: each reform paired against the silo baseline (about a minute).
headline: $(STAMP)
	$(BIN)/python experiments/headline.py

demo: $(STAMP)
	$(BIN)/placesim validate scenarios/*.yaml
	$(BIN)/placesim sweep experiments/total_place.yaml --out results/total_place --resume
	$(BIN)/placesim report results/total_place

# The browser tests drive Debian's Chromium (never a downloaded one); install it where apt can.
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get install -y -q chromium || { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; } \
		|| echo "Could not install Chromium with apt: the browser tests will skip"; \
	else echo "No apt-get: install Chromium at /usr/bin/chromium, or the browser tests will skip"; fi

test: $(STAMP) browser
	$(BIN)/python -m pytest

# The browser app for students on http://127.0.0.1:8765 (Ctrl-C stops it); another scenario file
# with `make app SCENARIO=scenarios/pooled.yaml`. The first start fetches the page's JavaScript
# with npm when this machine cannot reach solara's CDN (docs/app.md).
.PHONY: app
app: $(STAMP)
	$(BIN)/placesim app $(SCENARIO)

clean:
	rm -rf $(VENV) results/runs .pytest_cache .hypothesis
