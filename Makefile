# placesim: `make demo` and `make test` are all a new machine needs (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

# The default experiment: six regimes x 20 paired replications (about 2 minutes on 2 cores).
demo: $(STAMP)
	$(BIN)/placesim validate scenarios/*.yaml
	$(BIN)/placesim sweep experiments/total_place.yaml --out results/total_place --resume

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) results/runs .pytest_cache .hypothesis
