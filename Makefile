VENV := .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[postgres,test]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/accord demo

test: $(STAMP)
	$(PYTHON) -m pytest -q

bench: $(STAMP)
	$(PYTHON) bench/lifecycle.py
	$(PYTHON) bench/compliance.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .hypothesis
