# perftool — two commands for a fresh machine: `make demo` and `make test`. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DEMO   := demo-output

.PHONY: demo test libreoffice clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## LibreOffice (headless Calc) is the real spreadsheet engine the tests check generated workbooks against.
libreoffice:
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "安装 LibreOffice Calc（无界面版）…"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libreoffice-calc-nogui >/dev/null; }

demo: $(STAMP)
	rm -rf $(DEMO) && mkdir -p $(DEMO)
	$(BIN)/perftool templates --year 2024
	$(BIN)/perftool generate --year 2024 --unit 示例单位 --unit-code 000000 -o $(DEMO)/2024_示例单位_全套报表.xlsx
	$(BIN)/perftool generate --year 2024 --units examples/units.csv -o $(DEMO)/units
	@echo "输出位于 $(DEMO)/"; ls -R $(DEMO)

test: $(STAMP) libreoffice
	$(BIN)/pytest

clean:
	rm -rf $(VENV) $(DEMO) .pytest_cache
