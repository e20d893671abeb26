# perftool — two commands for a fresh machine: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO   := demo-output

.PHONY: demo test bench fuzz mutate readme libreoffice clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## LibreOffice (headless Calc) is the real spreadsheet engine the tests check generated workbooks against; the
## print test renders them to PDF (a CJK font, or Chinese prints as boxes) and reads the pages with poppler.
libreoffice:
	@{ command -v soffice && command -v pdftotext && fc-list :lang=zh | grep -q .; } >/dev/null 2>&1 || { \
	  echo "安装 LibreOffice Calc（无界面版）、poppler-utils 和中文字体 fonts-noto-cjk…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libreoffice-calc-nogui poppler-utils \
	    fonts-noto-cjk >/dev/null; }

## The main job on the bundled examples: fill the four seed documents into generated workbooks, then audit,
## score and annotate them as a finance bureau would, with a summary. Errors found in them are expected (exit 1).
demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)/报送
	@for f in examples/*.yaml; do \
	  $(BIN)/perftool generate --data $$f -o $(DEMO)/报送/$$(basename $$f .yaml).xlsx 2>/dev/null || exit 2; done
	$(BIN)/perftool batch $(DEMO)/报送 -o $(DEMO)/审核结果 || [ $$? -eq 1 ]
	$(BIN)/perftool generate --year 2024 --units examples/units.csv -o $(DEMO)/2024年度空白表样
	@echo "输出位于 $(DEMO)/：报送/（填好的工作簿）、审核结果/批注/（批注工作簿）、审核结果/结果/（评分 JSON）、" \
	      "审核结果/汇总表.xlsx、汇总.csv、汇总.json、2024年度空白表样/"

test: $(STAMP) libreoffice
	$(BIN)/pytest

## Speed figures (printed, not asserted): perftool against python-calamine, LibreOffice and formulas.
bench: $(STAMP) libreoffice
	@# corpus size and scales: make bench BENCH_ARGS="--count 40 --batches 100,2000 --rows 20,100,500 --units 200"
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python tests/bench.py $(BENCH_ARGS)

## A longer run of the mutation fuzz test (make test runs 300 mutations).
FUZZ_RUNS ?= 5000
fuzz: $(STAMP)
	PERFTOOL_FUZZ_RUNS=$(FUZZ_RUNS) $(BIN)/pytest -q tests/test_fuzz.py

## Mutation testing of the modules that decide what a unit is told ([tool.mutmut] in pyproject.toml): each mutant
## runs only the fast tests that reach the mutated function. Incremental: results stay in mutants/ and only new or
## changed code is run again; MUTANTS='perftool.formula.*' re-runs one module. Prints the score per module.
MUTANTS  ?=
MUTATE_JOBS ?= 2
mutate: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,mutate]'
	nice -n 19 $(BIN)/mutmut run --max-children $(MUTATE_JOBS) $(MUTANTS) >mutate.log 2>&1 || { tail -c 3000 mutate.log; exit 2; }
	$(BIN)/python tests/mutation_report.py

## The README's catalogue of error codes is generated from the code (a test checks it is current).
readme: $(STAMP)
	$(BIN)/python -c "import pathlib; from perftool.codes import BEGIN, END, codes_markdown; \
	p = pathlib.Path('README.md'); t = p.read_text(encoding='utf-8'); \
	i, j = t.index(BEGIN), t.index(END) + len(END); p.write_text(t[:i] + codes_markdown() + t[j:], encoding='utf-8')"

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache mutants mutate.log
