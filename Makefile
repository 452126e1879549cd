# bee-customers: lint and tests. The Kore module itself is built by kodev
# (`scripts/dev build [dev|prod|asan]`); `scripts/dev test` runs everything
# below against private servers (CONTRIBUTING.md). Targets:
#
#   help          this list (the default target)
#   lint          every lint-* below; each part runs, then lint fails if any
#                 part failed
#   lint-format   clang-format --dry-run over src, tests and tools
#   lint-cppcheck cppcheck, one run per tree with its include directories
#   lint-tidy     clang-tidy, one file at a time (checks in .clang-tidy)
#   lint-shell    shellcheck of scripts/, scripts/container/ and .ci/run
#   lint-openapi  @redocly/cli lint of assets/openapi.json and
#                 docs/asyncapi.yaml (scripts/dev docs)
#   lint-config   the container and monitoring files (scripts/lint-config)
#   lint-layers   the include graph of src/ against its layers (scripts/layers)
#   lint-settings .env.example, scripts/dev's SERVICE_SETTINGS and the table of
#                 docs/operations.md against src/infra/settings.c
#   lint-alloc    no raw allocation outside src/model/xalloc.c
#   format        clang-format -i over the same C files
#   unit          tests/unit/test_*.c, each linked with the module's pure
#                 sources (src/**/*.c that do not pull in a Kore header)
#   migrate-test  tests/migrate/test_*.c (needs DATABASE_URL)
#   e2e           tests/e2e/test_*.c against a running service (needs BEE_URL
#                 etc.: `eval "$(scripts/dev e2e-up)"`)
#   docs-test     tests/docs: the OpenAPI contract against real responses and
#                 the /docs and /redoc pages in headless Chromium (needs
#                 BEE_URL etc. and `scripts/dev docs`)
#   tests/bin/NAME  one test binary (unit_uuid, e2e_tags, migrate_NAME);
#                 `scripts/dev test-one NAME` builds and runs it
#   tools         .run/tools/resend-failed-events (scripts/resend-failed-events)
#                 and .run/tools/settings-docs
#   settings-docs .env.example, scripts/dev's SERVICE_SETTINGS and the table
#                 of docs/operations.md, written from src/infra/settings.c
#                 (lint-settings checks them)
#   fuzz          tests/fuzz/fuzz_*.c with clang's libFuzzer, each linked with
#                 the pure sources (scripts/fuzz runs them; CONTRIBUTING.md)
#   bench         scripts/bench: req/s and p50/p99 against pgbench and the
#                 original's stack, on private servers (docs/benchmark.md)
#   clean         tests/bin, .run/lint, .run/build and bee_customers.so
#
# Test binaries go to tests/bin/ and run under ASan/UBSan/LSan
# (scripts/run-criterion); CRITERION_ARGS passes arguments to every binary.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:
# keep the objects (intermediate files of pattern rules) for the next build
.SECONDARY:
.SUFFIXES:

NPROC := $(shell nproc 2>/dev/null || echo 2)
KORE_FEATURES := $(shell cat /usr/share/kore/features 2>/dev/null)
CC := gcc
BIN := tests/bin
OBJ := $(BIN)/obj
LINT_GEN := .run/lint
RUN_TESTS := scripts/run-criterion

# --- what there is --------------------------------------------------------

SRC_C := $(shell find src -name '*.c' | LC_ALL=C sort)
# "Pure" sources: those whose preprocessed form includes no Kore header,
# directly or through our own headers; unit tests link against all of them.
# (A file gcc cannot preprocess is left out.)
PURE_SRC := $(shell for f in $(SRC_C); do \
	deps=$$(gcc -M -std=gnu11 -D_GNU_SOURCE -Isrc -I/usr/include/postgresql "$$f" 2>/dev/null) || continue; \
	case $$deps in (*/usr/include/kore/*) ;; (*) echo "$$f" ;; esac; done)

# tests/common: plain-C helpers that more than one kind of test links (no
# test framework, no module header).
COMMON_SUPPORT := $(sort $(wildcard tests/common/*.c))

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_SUPPORT := $(sort $(wildcard tests/unit/support/*.c)) $(COMMON_SUPPORT)
UNIT_BIN := $(patsubst tests/unit/test_%.c,$(BIN)/unit_%,$(UNIT_SRC))

MIGRATE_SRC := $(sort $(wildcard tests/migrate/test_*.c))
MIGRATE_SUPPORT := $(sort $(wildcard tests/migrate/lib/*.c tests/migrate/support/*.c))
MIGRATE_BIN := $(patsubst tests/migrate/test_%.c,$(BIN)/migrate_%,$(MIGRATE_SRC))

E2E_SRC := $(sort $(wildcard tests/e2e/test_*.c))
E2E_SUPPORT := $(sort $(wildcard tests/e2e/lib/*.c)) $(COMMON_SUPPORT)
E2E_BIN := $(patsubst tests/e2e/test_%.c,$(BIN)/e2e_%,$(E2E_SRC))

objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

# --- test builds ------------------------------------------------------------

# float-cast-overflow is not part of gcc's -fsanitize=undefined (as in
# conf/build.conf's asan flavor).
SANITIZE := -fsanitize=address,undefined,float-cast-overflow
TEST_CFLAGS := -std=gnu11 -g -O1 $(SANITIZE) \
	-fno-omit-frame-pointer -D_GNU_SOURCE -I/usr/include/postgresql \
	-MMD -MP
# (No --gc-sections: it would drop Criterion's test registration sections.)
TEST_LDFLAGS := $(SANITIZE)
# COVERAGE=1 (scripts/dev coverage, with its own BIN): gcov counters too.
ifneq ($(COVERAGE),)
TEST_CFLAGS += --coverage
TEST_LDFLAGS += --coverage
endif
TEST_LIBS := -lcriterion -ljansson -ljwt -lhiredis -lrabbitmq -lpq -lcrypto \
	-lpthread -lm

# Include directories per tree: only the module, its unit tests and the fuzz
# harnesses (below) see src/
# (tests/e2e/lib has headers named like the module's, token.h for one).
$(OBJ)/src/%.o: TEST_INC := -Isrc
$(OBJ)/tests/unit/%.o: TEST_INC := -Isrc -Itests/unit -Itests/unit/support \
	-Itests/common
$(OBJ)/tests/migrate/%.o: TEST_INC := -Itests/migrate -Itests/migrate/lib \
	-Itests/migrate/support
$(OBJ)/tests/e2e/%.o: TEST_INC := -Itests/e2e -Itests/e2e/lib -Itests/common

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(TEST_INC) $(TEST_CFLAGS) -c $< -o $@

$(BIN)/unit_%: $(OBJ)/tests/unit/test_%.o $(call objs,$(PURE_SRC) $(UNIT_SUPPORT))
	$(CC) $(TEST_LDFLAGS) $^ $(TEST_LIBS) -o $@

$(BIN)/migrate_%: $(OBJ)/tests/migrate/test_%.o $(call objs,$(MIGRATE_SUPPORT))
	$(CC) $(TEST_LDFLAGS) $^ $(TEST_LIBS) -o $@

$(BIN)/e2e_%: $(OBJ)/tests/e2e/test_%.o $(call objs,$(E2E_SUPPORT))
	$(CC) $(TEST_LDFLAGS) $^ $(TEST_LIBS) -lcurl -o $@

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# --- test targets ---------------------------------------------------------------

.PHONY: help unit migrate-test e2e lint format clean bench docs-test \
	lint-format lint-cppcheck lint-tidy lint-shell lint-openapi lint-config \
	lint-layers lint-settings lint-alloc

# The comment block at the top of this file, then any .PHONY target it
# does not name yet, so that the list never misses one.
help:
	@sed -n '/^[^#]/q; s/^# \{0,1\}//p' Makefile
	@awk '/^\.PHONY:/ { p = 1; sub(/^\.PHONY:/, "") } \
		p { l = $$0; c = sub(/\\$$/, "", l); print l; if (!c) p = 0 }' Makefile | \
		tr -s ' \t' '\n' | sed '/^$$/d' | LC_ALL=C sort -u | while read -r t; do \
		grep -Eq "^#   $$t( |$$)" Makefile || echo "  $$t (not described above yet)"; done

unit: $(UNIT_BIN)
	@if [ -z "$(UNIT_BIN)" ]; then echo "unit: no tests yet (tests/unit/test_*.c)"; exit 0; fi
	@echo "unit: linked with $(words $(PURE_SRC)) pure sources: $(notdir $(PURE_SRC))"
	@$(RUN_TESTS) unit $(UNIT_BIN)

migrate-test: $(MIGRATE_BIN)
	@if [ -z "$(MIGRATE_BIN)" ]; then echo "migrate-test: no tests (tests/migrate/test_*.c)"; exit 0; fi
	@if [ -z "$${DATABASE_URL:-}" ]; then \
		echo "migrate-test: DATABASE_URL is not set (a PostgreSQL server the tests may create databases on)" >&2; \
		exit 1; fi
	@$(RUN_TESTS) migrate $(MIGRATE_BIN)

# The service must already run: `eval "$(scripts/dev e2e-up)"`, or
# `scripts/dev test` which starts it. Binaries run one after the other, each
# with two Criterion jobs.
E2E_ARGS ?= --jobs 2
e2e:
	@missing=; for v in BEE_URL BEE_HOST BEE_PORT SECRET_KEY DATABASE_URL; do \
		[ -n "$${!v:-}" ] || missing="$$missing $$v"; done; \
	if [ -n "$$missing" ]; then \
		echo "e2e: not set:$$missing. Start the service with: eval \"\$$(scripts/dev e2e-up)\"" >&2; \
		exit 1; fi
	@if [ -z "$(E2E_BIN)" ]; then echo "e2e: no tests (tests/e2e/test_*.c)"; exit 0; fi; \
	$(MAKE) --no-print-directory $(E2E_BIN)
	@[ -z "$(E2E_BIN)" ] || CRITERION_ARGS="$(E2E_ARGS) $${CRITERION_ARGS:-}" $(RUN_TESTS) e2e $(E2E_BIN)

# The OpenAPI contract and the docs pages (tests/docs/*.mjs, node and the
# pinned npm packages of package-lock.json: `scripts/dev docs`), against the
# running service, like e2e. Both run even if the first fails.
NODE := node
NODE_BIN := node_modules/.bin
docs-test:
	@missing=; for v in BEE_URL SECRET_KEY DATABASE_URL; do \
		[ -n "$${!v:-}" ] || missing="$$missing $$v"; done; \
	if [ -n "$$missing" ]; then \
		echo "docs-test: not set:$$missing. Start the service with: eval \"\$$(scripts/dev e2e-up)\"" >&2; \
		exit 1; fi
	@[ -d node_modules/playwright-core ] || { echo "docs-test: no node_modules: run scripts/dev docs" >&2; exit 1; }
	@rc=0; $(NODE) tests/docs/contract.mjs || rc=1; \
	$(NODE) tests/docs/browser.mjs || rc=1; exit $$rc

# --- tools ----------------------------------------------------------------------

# Command-line tools built from the module's pure sources (no Kore). Linked
# to a temporary name and renamed: concurrent builds (parallel e2e tests
# calling the wrapper) never see a half-written binary.
TOOLS_DIR := .run/tools
# The settings table and what it needs: every tool reads the settings.
SETTINGS_SRC := src/infra/settings.c src/infra/settings_parse.c \
	src/infra/settings_rate.c src/infra/settings_url.c src/infra/dotenv.c \
	src/infra/whole_file.c src/model/utf8.c src/model/xalloc.c
SETTINGS_H := src/infra/settings.h src/infra/settings_types.h \
	src/infra/settings_parse.h src/infra/dotenv.h src/infra/whole_file.h \
	src/model/utf8.h src/model/xalloc.h
TOOLS_SRC := src/events/amqp_pub.c src/events/confirms.c src/events/mirror.c \
	src/infra/monotime.c src/events/resend_item.c src/model/uuid.c \
	$(SETTINGS_SRC)
TOOLS_CFLAGS := -std=gnu11 -g -O2 -Wall -Wextra -D_GNU_SOURCE -Isrc \
	-I/usr/include/postgresql
TOOLS_LIBS := -ljansson -lhiredis -lrabbitmq -lpq -lcrypto

.PHONY: tools settings-docs
tools: $(TOOLS_DIR)/resend-failed-events $(TOOLS_DIR)/settings-docs

$(TOOLS_DIR)/resend-failed-events: tools/resend_failed_events.c $(TOOLS_SRC) \
		$(wildcard src/events/amqp_pub.h src/events/confirms.h \
		src/events/mirror.h src/infra/monotime.h \
		src/events/resend_item.h src/model/uuid.h $(SETTINGS_H))
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(filter %.c,$^) $(TOOLS_LIBS) -o $@.$$$$.tmp && \
		mv -f $@.$$$$.tmp $@

# What the settings table documents: scripts/settings-docs builds it, then
# writes (settings-docs) or checks (lint-settings) the files.
$(TOOLS_DIR)/settings-docs: tools/settings_docs.c $(SETTINGS_SRC) \
		$(wildcard $(SETTINGS_H))
	@mkdir -p $(@D)
	$(CC) $(TOOLS_CFLAGS) $(filter %.c,$^) -ljansson -lcrypto -o $@.$$$$.tmp && \
		mv -f $@.$$$$.tmp $@

settings-docs:
	@scripts/settings-docs

# --- fuzz ---------------------------------------------------------------------

# One libFuzzer harness per parser of client or broker bytes, built by clang
# (gcc has no libFuzzer): the pure sources get coverage instrumentation
# (fuzzer-no-link), the harness the fuzzer's main. UBSan aborts so that
# libFuzzer sees every report as a crash. scripts/fuzz runs them.
FUZZ_CC := clang
FUZZ_BIN := $(BIN)/fuzz
FUZZ_OBJ := $(FUZZ_BIN)/obj
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SUPPORT := $(sort $(wildcard tests/fuzz/support/*.c)) $(COMMON_SUPPORT)
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,$(FUZZ_BIN)/fuzz_%,$(FUZZ_SRC))
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-D_GNU_SOURCE -Isrc -Itests/fuzz -Itests/fuzz/support -Itests/common \
	-I/usr/include/postgresql -MMD -MP
FUZZ_LIBS := -ljansson -ljwt -lhiredis -lrabbitmq -lpq -lcrypto -lpthread -lm
fuzz_objs = $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(1))

$(FUZZ_OBJ)/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BIN)/fuzz_%: $(FUZZ_OBJ)/tests/fuzz/fuzz_%.o \
		$(call fuzz_objs,$(PURE_SRC) $(FUZZ_SUPPORT))
	$(FUZZ_CC) -fsanitize=fuzzer,address,undefined $^ $(FUZZ_LIBS) -o $@

-include $(shell find $(FUZZ_OBJ) -name '*.d' 2>/dev/null)

.PHONY: fuzz
fuzz: $(FUZZ_TARGETS)

# --- lint -----------------------------------------------------------------------

LINT_C := $(shell find src tests tools -type f -name '*.[ch]' -not -path '$(BIN)/*' 2>/dev/null | LC_ALL=C sort)
LINT_C_SRC := $(filter %.c,$(LINT_C))
HASH := \#
SHELL_SCRIPTS := $(shell for f in scripts/* scripts/container/* .ci/run; do [ -f "$$f" ] || continue; \
	case $$(head -n 1 "$$f") in ("$(HASH)!"*sh) echo "$$f" ;; esac; done)
LINT_DEFS := -D_GNU_SOURCE $(KORE_FEATURES)
# Include directories of a C file by tree (as for the test builds above):
# src/ sees Kore and the generated assets.h; unit tests see src/; e2e and
# migration tests see only their own folder, lib/ and support/; the fuzz
# harnesses see src/ and their own; every test tree sees tests/common.
LINT_INC_FN := lint_inc() { case $$1 in \
	src/*) echo "-Isrc -I/usr/include/kore -I$(LINT_GEN)" ;; \
	tests/unit/*) echo "-Isrc -Itests/unit -Itests/unit/support -Itests/common" ;; \
	tests/fuzz/*) echo "-Isrc -Itests/fuzz -Itests/fuzz/support -Itests/common" ;; \
	tools/*) echo "-Isrc" ;; \
	*) d=$${1%/*}; d=$${d%/lib}; d=$${d%/support}; echo "-I$$d -I$$d/lib -I$$d/support -Itests/common" ;; esac; }

# Every part runs, then lint fails if any part failed.
lint:
	@$(MAKE) --no-print-directory -k lint-format lint-cppcheck lint-tidy lint-shell \
		lint-openapi lint-config lint-layers lint-settings lint-alloc

lint-format:
	@echo "lint: clang-format ($(words $(LINT_C)) files)"
	@clang-format --dry-run --Werror $(LINT_C)

# kodev generates assets.h (the symbols of assets/*) at build time; lint
# gets the same declarations without a build.
$(LINT_GEN)/assets.h: $(shell find assets -type f 2>/dev/null) Makefile
	@mkdir -p $(@D)
	@{ echo '/* generated by make lint: the declarations kodev puts in assets.h */'; \
	echo '#ifndef __H_KORE_ASSETS_H'; echo '#define __H_KORE_ASSETS_H'; \
	find assets -type f -size +0 ! -name '.*' ! -name '*~' ! -name '*#*' 2>/dev/null | LC_ALL=C sort | \
	while read -r f; do b=$$(basename "$$f"); e=$${b##*.}; n=$$(printf '%s' "$${b%.*}" | tr '. -' '___'); \
		echo "extern const u_int8_t asset_$${n}_$${e}[];"; \
		echo "extern const u_int32_t asset_len_$${n}_$${e};"; \
		echo "extern const time_t asset_mtime_$${n}_$${e};"; \
		echo "extern const char *asset_sha256_$${n}_$${e};"; \
		echo "int asset_serve_$${n}_$${e}(struct http_request *);"; done; \
	echo '#endif'; } >$@.tmp && mv -f $@.tmp $@

# One cppcheck per tree, so that each sees its own include directories.
lint-cppcheck: $(LINT_GEN)/assets.h
	@echo "lint: cppcheck ($(words $(LINT_C_SRC)) files)"
	@$(LINT_INC_FN); rc=0; \
	for tree in src tests/common tests/unit tests/fuzz tests/migrate tests/e2e tools; do \
		files=$$(printf '%s\n' $(LINT_C_SRC) | grep "^$$tree/" || true); \
		[ -n "$$files" ] || continue; \
		cppcheck -q -j $(NPROC) --error-exitcode=1 --inline-suppr \
			--enable=warning,portability,performance \
			--suppress=missingIncludeSystem --std=c11 --library=.cppcheck.cfg \
			$(LINT_DEFS) $$(lint_inc "$$tree/x.c") $$files || rc=1; \
	done; exit $$rc

# One clang-tidy per file, NPROC at a time; the checks are in .clang-tidy.
lint-tidy: $(LINT_GEN)/assets.h
	@echo "lint: clang-tidy ($(words $(LINT_C_SRC)) files, $(NPROC) jobs)"
	@printf '%s\n' $(LINT_C_SRC) | xargs -r -P $(NPROC) -I{} bash -c \
		'$(LINT_INC_FN); out=$$(clang-tidy --quiet "$$1" -- -std=gnu11 $(LINT_DEFS) \
		$$(lint_inc "$$1") 2>&1) && exit 0; printf "%s\n" "$$out"; exit 1' _ {}

lint-shell:
	@echo "lint: shellcheck ($(words $(SHELL_SCRIPTS)) scripts)"
	@shellcheck -x $(SHELL_SCRIPTS)

# The pinned @redocly/cli (scripts/dev docs); rules in redocly.yaml.
lint-openapi:
	@echo "lint: redocly (assets/openapi.json, docs/asyncapi.yaml)"
	@[ -x $(NODE_BIN)/redocly ] || { echo "lint-openapi: no $(NODE_BIN)/redocly: run scripts/dev docs" >&2; exit 1; }
	@REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
		$(NODE_BIN)/redocly lint --config redocly.yaml --format stylish assets/openapi.json \
		docs/asyncapi.yaml

# YAML and JSON syntax, docker-compose.yml (docker compose config where a
# client is installed), the scrape config and the dashboards' PromQL (promtool)
lint-config:
	@scripts/lint-config

# Includes only downward (service.c, api/, http/, events/, db/, infra/,
# model/), no cycle between files.
lint-layers:
	@scripts/layers

# .env.example, scripts/dev and docs/operations.md against the settings table
lint-settings:
	@echo "lint: settings documentation (scripts/settings-docs --check)"
	@scripts/settings-docs --check

# Out of memory is handled one way (model/xalloc.h): no raw allocation
# elsewhere in src/ or tools/.
lint-alloc:
	@echo "lint: allocation through model/xalloc.h"
	@scripts/lint-alloc

format:
	clang-format -i $(LINT_C)

# Not part of `scripts/dev test`: minutes long, needs an otherwise idle machine.
bench:
	scripts/bench

clean:
	rm -rf $(BIN) $(LINT_GEN) .run/build bee_customers.so
