# Two commands for a fresh machine: `make lab` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB := data/certreview.sqlite
# The suite runs in two processes, a test file to each: the browser tests mostly wait.
TEST_WORKERS ?= 2

.PHONY: lab app test lint format bench demo clean-demo

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,postgres,ocr]"
# A .venv made before the OCR extra moved to rapidocr 3 holds the GUI opencv-python, whose
# cv2 overwrote the headless one (it needs libGL): take it out and put the headless cv2 back.
	if $(BIN)/python -m pip show opencv-python >/dev/null 2>&1; then \
	  $(BIN)/python -m pip uninstall --quiet -y opencv-python rapidocr-onnxruntime && \
	  $(BIN)/python -m pip install --quiet --force-reinstall --no-deps opencv-python-headless; fi
	touch $(STAMP)

lab: $(STAMP)
	test -f $(DB) || $(BIN)/certreview demo
	$(BIN)/certreview lab

app: $(STAMP)
	test -f $(DB) || $(BIN)/certreview demo
	$(BIN)/certreview app

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format . && $(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

demo: $(STAMP)
	$(BIN)/certreview demo

clean-demo:
	rm -rf data/certreview.sqlite* data/store data/demo-input
