# dcimanager: `make demo` runs the whole flow against the emulator; `make test` runs every
# test. Both install what is missing (scripts/install-deps.sh) and share one release build.
CARGO    ?= cargo
CC       ?= cc
RELEASE  := target/release
LIB      := $(RELEASE)/libdcimanager.so
EMULATOR := $(RELEASE)/dcimanager-emulator
CBUILD   := target/c
CFLAGS_C := -std=c11 -Wall -Wextra -Werror -pedantic -g -Iinclude
LDFLAGS_C := -L$(RELEASE) -ldcimanager -Wl,-rpath,$(abspath $(RELEASE)) -lpthread
VALGRIND := valgrind --suppressions=tests/c/valgrind.supp --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible --quiet
C_TESTS  := $(patsubst tests/c/%.c,$(CBUILD)/%,$(wildcard tests/c/test_*.c))
PYTHON   ?= python3
VENV     := .venv
VPY      := $(VENV)/bin/python

.PHONY: all deps build demo test test-rust test-c test-python python check-header header lint fmt clean

all: build

deps:
	@scripts/install-deps.sh

# One release build of the library (rlib, cdylib, staticlib) and the emulator for every suite.
build: deps
	$(CARGO) build --release --locked

header:
	$(CARGO) run --release --locked -q -p gen-header

check-header:
	$(CARGO) run --release --locked -q -p gen-header -- --check

$(CBUILD)/%: tests/c/%.c tests/c/check.h include/dcimanager.h $(LIB)
	@mkdir -p $(CBUILD)
	$(CC) $(CFLAGS_C) -D_POSIX_C_SOURCE=200809L $< -o $@ $(LDFLAGS_C)

$(CBUILD)/demo: examples/c/demo.c include/dcimanager.h $(LIB)
	@mkdir -p $(CBUILD)
	$(CC) $(CFLAGS_C) $< -o $@ $(LDFLAGS_C)

demo: build $(CBUILD)/demo python
	$(CARGO) build --release --locked -q --example quickstart
	@echo "== C example (examples/c/demo.c) against the emulator =="
	@scripts/with-emulator.sh $(CBUILD)/demo
	@echo
	@echo "== Rust example (examples/quickstart.rs) against the emulator =="
	@scripts/with-emulator.sh $(RELEASE)/examples/quickstart
	@echo
	@echo "== Python example (examples/python/quickstart.py) against the emulator =="
	@scripts/with-emulator.sh $(VPY) examples/python/quickstart.py

# The Python virtual environment with the test tools, made once.
$(VENV)/.ready: bindings/python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install -q --upgrade pip
	$(VPY) -m pip install -q -r bindings/python/requirements-dev.txt
	touch $@

# The package, installed the way users install it (pip builds it with maturin; cargo reuses
# what is already built in target/).
python: build $(VENV)/.ready
	PATH="$(abspath $(VENV))/bin:$$PATH" $(VPY) -m pip install -q --no-build-isolation --force-reinstall --no-deps ./bindings/python

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust: build
	$(CARGO) test --release --locked

test-c: build $(C_TESTS)
	@for t in $(C_TESTS); do \
	  echo "== $$t (valgrind)"; \
	  scripts/with-emulator.sh $(VALGRIND) $$t || exit 1; \
	done
	@echo "== examples/c/demo.c built with only -Iinclude -Ltarget/release -ldcimanager"
	$(CC) examples/c/demo.c -Iinclude -Ltarget/release -ldcimanager -o $(CBUILD)/demo-plain
	@LD_LIBRARY_PATH=$(RELEASE) scripts/with-emulator.sh $(CBUILD)/demo-plain > $(CBUILD)/demo-plain.out
	@grep -q "^9. logout  *ok" $(CBUILD)/demo-plain.out && echo "demo-plain: 1 passed, 0 failed"

test-python: python
	$(VPY) -m mypy.stubtest dcimanager._native
	$(VPY) -m pytest -q bindings/python/tests

test: build check-header lint test-rust test-c test-python
	@echo "make test: all suites passed"

clean:
	$(CARGO) clean
