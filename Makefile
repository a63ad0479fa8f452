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
C_ASAN   := $(patsubst tests/c/%.c,$(CBUILD)/asan/%,$(wildcard tests/c/test_*.c))
SANITIZE := -fsanitize=address,undefined -fno-sanitize-recover=undefined
VERSION  := $(shell sed -n '/^\[workspace.package\]/,/^\[/s/^version = "\(.*\)"/\1/p' Cargo.toml)
# The SONAME (build.rs says why): libdcimanager.so.0.<minor> while the major version is 0.
SONAME   := $(shell scripts/soname.sh)
PYTHON   ?= python3
VENV     := .venv
VPY      := $(VENV)/bin/python

# The suites choose their proxies themselves: a proxy of the machine's environment must not
# route the tests' loopback traffic (the network tests set their own, in child processes).
unexport http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

.PHONY: fuzz soak bench
.PHONY: all deps build demo test test-rust test-c test-cpp test-python test-php test-packages python wheel check-header header lint fmt clean install uninstall abi-check abi-baseline deb

all: build

deps:
	@scripts/install-deps.sh

# One release build of the library (rlib, cdylib, staticlib) and the emulator for every suite.
build: deps
	$(CARGO) build --release --locked
	@ln -sf libdcimanager.so $(RELEASE)/$(SONAME)

header:
	$(CARGO) run --release --locked -q -p gen-header

check-header:
	$(CARGO) run --release --locked -q -p gen-header -- --check

C_DEPS := tests/c/check.h tests/c/json_lite.h tests/c/operations.h include/dcimanager.h $(LIB) $(CBUILD)/faults_table.h \
	$(CBUILD)/operations_table.h

$(CBUILD)/%: tests/c/%.c $(C_DEPS)
	@mkdir -p $(CBUILD)
	$(CC) $(CFLAGS_C) -D_POSIX_C_SOURCE=200809L -I$(CBUILD) $< -o $@ $(LDFLAGS_C)

$(CBUILD)/asan/%: tests/c/%.c $(C_DEPS)
	@mkdir -p $(CBUILD)/asan
	$(CC) $(CFLAGS_C) $(SANITIZE) -D_POSIX_C_SOURCE=200809L -I$(CBUILD) $< -o $@ $(LDFLAGS_C)

# The C suite's copies of the shared fault matrix and of the conformance matrix.
$(CBUILD)/faults_table.h: tests/faults.json scripts/faults_to_c.py
	@mkdir -p $(CBUILD)
	$(PYTHON) scripts/faults_to_c.py $< > $@

$(CBUILD)/operations_table.h: tests/operations.json scripts/operations_to_c.py
	@mkdir -p $(CBUILD)
	$(PYTHON) scripts/operations_to_c.py $< > $@

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
	@echo
	@echo "== The platform's Python example (examples/python/legacy_script.py, dcimanager.compat) through five 503s =="
	@scripts/with-emulator.sh $(VPY) examples/python/legacy_through_503s.py 5
	@echo
	@echo "== PHP example (examples/php/billing_sso.php) against the emulator =="
	@scripts/test-php.sh --deps
	@scripts/with-emulator.sh php examples/php/billing_sso.php
	@echo
	@echo "== Command line (examples/cli/demo.sh: target/release/dcimanager) against the emulator =="
	@scripts/with-emulator.sh examples/cli/demo.sh

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

# An abi3 wheel (one file for every CPython ≥ 3.9) in dist/, tagged manylinux2014 (glibc
# 2.17: Ubuntu 20.04, RHEL/Alma 8 and 9 install it without Rust), linked by zig (ziglang from
# PyPI, in .venv) against glibc 2.17's symbols; and the sdist, which pip builds where cargo
# is. Its own target directory keeps `make python`'s build as it is. Replaces earlier ones.
wheel: build $(VENV)/.ready
	rm -f dist/dcimanager-*.whl dist/dcimanager-*.tar.gz
	PATH="$(abspath $(VENV))/bin:$$PATH" CARGO_TARGET_DIR=target/wheel $(VENV)/bin/maturin build --release \
	  --locked --zig --compatibility manylinux2014 -m bindings/python/Cargo.toml -i $(VPY) --out dist
	$(VENV)/bin/maturin sdist -m bindings/python/Cargo.toml --out dist

# Installation: the libraries (the shared one stripped, with its SONAME link), both headers,
# pkg-config and CMake files, and the command-line tool with its completions and manual page.
PREFIX         ?= /usr/local
LIBDIR_REL     ?= lib
INCLUDEDIR_REL ?= include
LIBDIR         := $(PREFIX)/$(LIBDIR_REL)
INCLUDEDIR     := $(PREFIX)/$(INCLUDEDIR_REL)
CMAKEDIR       := $(LIBDIR)/cmake/dcimanager
SUBST = sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
	-e 's|@VERSION@|$(VERSION)|g' -e 's|@LIBDIR_REL@|$(LIBDIR_REL)|g' -e 's|@INCLUDEDIR_REL@|$(INCLUDEDIR_REL)|g' \
	-e 's|@SONAME@|$(SONAME)|g' \
	-e 's|@CMAKE_TO_PREFIX@|$(shell echo $(LIBDIR_REL)/cmake/dcimanager | sed 's|[^/][^/]*|..|g')|g'
BINDIR         := $(PREFIX)/bin
DATADIR        := $(PREFIX)/share
COMPLETIONS    := $(DATADIR)/bash-completion/completions/dcimanager $(DATADIR)/zsh/site-functions/_dcimanager \
	$(DATADIR)/fish/vendor_completions.d/dcimanager.fish
INSTALLED = $(LIBDIR)/libdcimanager.so.$(VERSION) $(LIBDIR)/$(SONAME) $(LIBDIR)/libdcimanager.so $(LIBDIR)/libdcimanager.a $(INCLUDEDIR)/dcimanager.h \
	$(INCLUDEDIR)/dcimanager.hpp $(LIBDIR)/pkgconfig/dcimanager.pc $(CMAKEDIR)/dcimanagerConfig.cmake \
	$(CMAKEDIR)/dcimanagerConfigVersion.cmake $(BINDIR)/dcimanager $(COMPLETIONS) $(DATADIR)/man/man1/dcimanager.1

install: build
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(CMAKEDIR)
	install -m 644 -s $(RELEASE)/libdcimanager.so $(DESTDIR)$(LIBDIR)/libdcimanager.so.$(VERSION)
	ln -sf libdcimanager.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libdcimanager.so
	install -m 644 $(RELEASE)/libdcimanager.a $(DESTDIR)$(LIBDIR)/libdcimanager.a
	strip --strip-debug $(DESTDIR)$(LIBDIR)/libdcimanager.a
	install -m 644 include/dcimanager.h include/dcimanager.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(SUBST) packaging/dcimanager.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/dcimanager.pc
	$(SUBST) packaging/dcimanagerConfig.cmake.in > $(DESTDIR)$(CMAKEDIR)/dcimanagerConfig.cmake
	$(SUBST) packaging/dcimanagerConfigVersion.cmake.in > $(DESTDIR)$(CMAKEDIR)/dcimanagerConfigVersion.cmake
	install -d $(DESTDIR)$(BINDIR) $(addprefix $(DESTDIR),$(dir $(COMPLETIONS))) $(DESTDIR)$(DATADIR)/man/man1
	$(RELEASE)/dcimanager man > $(DESTDIR)$(DATADIR)/man/man1/dcimanager.1
	install -m 755 -s $(RELEASE)/dcimanager $(DESTDIR)$(BINDIR)/dcimanager
	$(RELEASE)/dcimanager completion bash > $(DESTDIR)$(DATADIR)/bash-completion/completions/dcimanager
	$(RELEASE)/dcimanager completion zsh > $(DESTDIR)$(DATADIR)/zsh/site-functions/_dcimanager
	$(RELEASE)/dcimanager completion fish > $(DESTDIR)$(DATADIR)/fish/vendor_completions.d/dcimanager.fish
	@echo "installed dcimanager $(VERSION) into $(DESTDIR)$(PREFIX)"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(CMAKEDIR) 2>/dev/null
	@echo "removed dcimanager from $(DESTDIR)$(PREFIX)"

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

test-rust: build
	$(CARGO) test --release --locked

test-c: build $(C_TESTS) $(C_ASAN) $(CBUILD)/load_threads $(CBUILD)/networks $(CBUILD)/asan/networks
	@for t in $(C_TESTS); do \
	  echo "== $$t (valgrind)"; \
	  scripts/with-emulator.sh $(VALGRIND) $$t || exit 1; \
	done
	@for t in $(C_ASAN); do \
	  echo "== $$t (AddressSanitizer, UndefinedBehaviorSanitizer)"; \
	  ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    scripts/with-emulator.sh $$t || exit 1; \
	done
	@echo "== $(CBUILD)/networks (valgrind; tinyproxy, microsocks, openssl certificates)"
	@scripts/net-fixture.sh run $(VALGRIND) $(CBUILD)/networks
	@echo "== $(CBUILD)/asan/networks (AddressSanitizer, UndefinedBehaviorSanitizer)"
	@ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  scripts/net-fixture.sh run $(CBUILD)/asan/networks
	@echo "== $(CBUILD)/load_threads (native: 16 threads x 2,000 requests)"
	@scripts/with-emulator.sh --no-log -- $(CBUILD)/load_threads
	@echo "== examples/c/demo.c built with only -Iinclude -Ltarget/release -ldcimanager"
	$(CC) examples/c/demo.c -Iinclude -Ltarget/release -ldcimanager -o $(CBUILD)/demo-plain
	@LD_LIBRARY_PATH=$(RELEASE) scripts/with-emulator.sh $(CBUILD)/demo-plain > $(CBUILD)/demo-plain.out
	@grep -q "^9. logout  *ok" $(CBUILD)/demo-plain.out && echo "demo-plain: 1 passed, 0 failed"

# The suite includes test_wheel.py: the wheel of `make wheel` in a fresh venv without cargo.
test-python: python wheel
	$(VPY) -m mypy.stubtest dcimanager._native
	$(VPY) -m mypy --strict --follow-imports=silent bindings/python/dcimanager/_async.py
	DCIMANAGER_REQUIRE_WHEEL=1 $(VPY) -m pytest -q bindings/python/tests

# C++: the wrapper under ASan/UBSan, the headers under strict warnings, and a consumer
# project built against a temporary install with pkg-config and with CMake.
test-cpp: build
	@scripts/test-cpp.sh

# PHP over FFI: PHPUnit against the emulator (installs php-cli and phpunit when missing).
test-php: build
	@scripts/test-php.sh

test: build check-header abi-check lint test-rust test-c test-cpp test-packages test-python test-php
	@echo "make test: all suites passed"

# The C ABI against its baseline (abi/dcimanager.abi, scripts/abi.py): removing or changing
# an exported function, an enum value or a struct's layout fails; adding is free.
abi-check: build
	$(PYTHON) scripts/abi.py check abi/dcimanager.abi include/dcimanager.h $(LIB)

# Records the current C ABI as the baseline, after an incompatible change has bumped the
# SONAME (or to record additions).
abi-baseline: build
	$(PYTHON) scripts/abi.py dump include/dcimanager.h $(LIB) > abi/dcimanager.abi

# Debian packages in dist/ (scripts/make-deb.sh): the library (named after its SONAME), -dev,
# and the command-line tool.
deb: build
	@scripts/make-deb.sh

# The packaging: the ABI check catching a removed export, the .deb packages (lintian, a C,
# C++ and PHP consumer against the extracted tree), the installed library's size and SONAME.
test-packages: build
	@scripts/test-packages.sh

# The benchmark, not a test: every client against the emulator on loopback; writes
# bench/RESULTS.md, bench/chart.svg and bench/results.json (BENCH_QUICK=1: a smoke run).
bench: build python
	@scripts/bench.sh

# 1,000,000 requests through the C ABI and 200,000 through Python: RSS and open descriptors
# flat after warm-up (bench/soak.json, reported in bench/RESULTS.md).
soak: build python
	@scripts/soak.sh

# Coverage-guided fuzzing of the parsers and encoders that see untrusted text (fuzz/), for a
# bounded time per target. Not part of `make test` (tests/properties.rs is); a crash found here
# becomes a case in tests/properties.rs. cargo-fuzz needs nightly features: RUSTC_BOOTSTRAP
# lets the stable toolchain provide them.
FUZZ_SECONDS ?= 30
FUZZ_TARGETS := error_body retry_after where_builder url_join response_bytes
fuzz: deps
	@command -v cargo-fuzz >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
	  RUSTC_BOOTSTRAP=1 $(CARGO) fuzz run $$t -- -max_total_time=$(FUZZ_SECONDS) || exit 1; \
	done

clean:
	$(CARGO) clean
