# SPDX-License-Identifier: ISC
# frontdoor: one non-recursive Makefile.  Objects go under $(BUILD)/.

CC	?= cc
# MBEDTLS=3: build against mbedTLS 3.6 (scripts/mbedtls3.sh builds it from
# Debian 13's source into build/mbedtls3/prefix), everything into
# build-mbedtls3/.  Default: the system's mbedTLS 2.28 (Debian 12).
MBEDTLS	?=
ifeq ($(MBEDTLS),3)
BUILD	?= build-mbedtls3
endif
BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
VERSION	:= $(shell sed -n 's/.*FRONTDOOR_VERSION[^"]*"\(.*\)"/\1/p' common/version.h)

SBINDIR	 = $(PREFIX)/sbin
BINDIR	 = $(PREFIX)/bin
MANDIR	 = $(PREFIX)/share/man
UNITDIR	 = $(PREFIX)/lib/systemd/system
SYSCONFDIR = /etc/frontdoor
INSTALL	?= install
CLANG_FORMAT ?= clang-format

WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wvla \
	   -Wimplicit-fallthrough
ifneq ($(WERROR),)
WARN	+= -Werror
endif
OPT	?= -O2 -g
CFLAGS	?= $(OPT)
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE $(LAYER_CFLAGS) \
	   $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

UV_CFLAGS := $(shell pkg-config --cflags libuv 2>/dev/null)
UV_LIBS	  := $(shell pkg-config --libs libuv 2>/dev/null || echo -luv)
INIH_LIBS := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)
MMDB_CFLAGS := $(shell pkg-config --cflags libmaxminddb 2>/dev/null)
MMDB_LIBS := $(shell pkg-config --libs libmaxminddb 2>/dev/null || echo -lmaxminddb)
CRYPT_LIBS := $(shell pkg-config --libs libcrypt 2>/dev/null || echo -lcrypt)
Z_LIBS	  := $(shell pkg-config --libs zlib libzstd 2>/dev/null || echo -lz -lzstd)
CURSES_CFLAGS := $(shell pkg-config --cflags ncursesw 2>/dev/null)
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)

# mbedTLS 2.28 ships no .pc file: name the three libraries.
ifeq ($(MBEDTLS),3)
MBEDTLS3_PREFIX ?= build/mbedtls3/prefix
TLS_CFLAGS = -I$(MBEDTLS3_PREFIX)/include
TLS_DEP	   = $(MBEDTLS3_PREFIX)/lib/libmbedtls.a
TLS_LIBS   = $(MBEDTLS3_PREFIX)/lib/libmbedtls.a \
	     $(MBEDTLS3_PREFIX)/lib/libmbedx509.a \
	     $(MBEDTLS3_PREFIX)/lib/libmbedcrypto.a
else
TLS_CFLAGS =
TLS_DEP	   =
TLS_LIBS   = -lmbedtls -lmbedx509 -lmbedcrypto
endif

COMMON_SRC := $(wildcard common/*.c)
DAEMON_SRC := $(wildcard daemon/*.c)
TUI_SRC	   := $(wildcard tui/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
DAEMON_LIB_OBJ := $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJ))
TUI_OBJ	   := $(TUI_SRC:%.c=$(BUILD)/%.o)

# Each directory sees only itself and the layers below it: common/ only
# common/ (and libc), the daemon and the dashboard common/ and their own
# directory, never each other's.  Library flags go only where a library is
# used; only the dashboard includes curses.h.  scripts/layer-check checks
# what include paths cannot (make layer-check).
$(COMMON_OBJ): LAYER_CFLAGS = -Icommon
$(DAEMON_OBJ): LAYER_CFLAGS = -Icommon -Idaemon $(UV_CFLAGS) $(TLS_CFLAGS) \
    $(MMDB_CFLAGS)
$(TUI_OBJ): LAYER_CFLAGS = -Icommon -Itui $(UV_CFLAGS) $(CURSES_CFLAGS)

DAEMON_LIBS = $(UV_LIBS) $(INIH_LIBS) $(TLS_LIBS) $(MMDB_LIBS) $(CRYPT_LIBS) \
	      $(Z_LIBS) -lpthread
TUI_LIBS    = $(UV_LIBS) $(CURSES_LIBS)

UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all clean check check-tls unit unit-build demo install format \
	format-check layer-check asan \
	bench bench-smoke mutate
all: $(BUILD)/frontdoord $(BUILD)/frontdoor

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

ifneq ($(TLS_DEP),)
$(TLS_DEP):
	scripts/mbedtls3.sh
$(BUILD)/daemon/tls.o $(BUILD)/tests/test-tls: | $(TLS_DEP)
endif

$(BUILD)/frontdoord: $(DAEMON_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BUILD)/frontdoor: $(TUI_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TUI_LIBS)

# Each unit test links common/ and only the daemon objects it names below,
# so a test builds while unrelated modules change.
$(BUILD)/tests/%: tests/unit/%.c $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $(filter %.c %.o,$^) $(ALL_LDFLAGS) -lcmocka $(DAEMON_LIBS)

# A unit test sees the layers of the module it tests.
$(BUILD)/tests/%: LAYER_CFLAGS = -Icommon -Idaemon $(UV_CFLAGS) $(TLS_CFLAGS) \
    $(MMDB_CFLAGS)
$(BUILD)/tests/test-buf $(BUILD)/tests/test-jsonr $(BUILD)/tests/test-parse: \
    LAYER_CFLAGS = -Icommon
$(BUILD)/tests/test-print $(BUILD)/tests/test-model: \
    LAYER_CFLAGS = -Icommon -Itui $(UV_CFLAGS)

$(BUILD)/tests/test-http: $(BUILD)/daemon/http.o
$(BUILD)/tests/test-chunked: $(BUILD)/daemon/http.o
$(BUILD)/tests/test-path: $(BUILD)/daemon/path.o
# config.o checks a redirect's host as http.o checks a Host field.
$(BUILD)/tests/test-config: $(BUILD)/daemon/config.o $(BUILD)/daemon/route.o \
    $(BUILD)/daemon/tls.o $(BUILD)/daemon/http.o
$(BUILD)/tests/test-route: $(BUILD)/daemon/config.o $(BUILD)/daemon/route.o \
    $(BUILD)/daemon/tls.o $(BUILD)/daemon/http.o
$(BUILD)/tests/test-tls: $(BUILD)/daemon/tls.o $(BUILD)/daemon/config.o \
    $(BUILD)/daemon/route.o $(BUILD)/daemon/http.o
$(BUILD)/tests/test-print: $(BUILD)/tui/print.o
$(BUILD)/tests/test-model: $(BUILD)/tui/model.o $(BUILD)/tui/input.o
# config.o reads htpasswd files and opens the GeoIP database.
GATE_CONF_OBJ = $(BUILD)/daemon/auth.o $(BUILD)/daemon/geoip.o \
    $(BUILD)/daemon/tls.o $(BUILD)/daemon/path.o
$(BUILD)/tests/test-config: $(GATE_CONF_OBJ)
$(BUILD)/tests/test-route: $(GATE_CONF_OBJ)
$(BUILD)/tests/test-tls: $(GATE_CONF_OBJ)
$(BUILD)/tests/test-auth: $(BUILD)/daemon/auth.o $(BUILD)/daemon/tls.o
$(BUILD)/tests/test-rate: $(BUILD)/daemon/rate.o
$(BUILD)/tests/test-ban: $(BUILD)/daemon/ban.o
$(BUILD)/tests/test-compress: $(BUILD)/daemon/compress.o
$(BUILD)/tests/test-cache: $(BUILD)/daemon/cache.o
$(BUILD)/tests/test-wbuf: $(BUILD)/daemon/wbuf.o
$(BUILD)/tests/test-filter: $(BUILD)/daemon/filter.o \
    $(BUILD)/daemon/filter-compress.o $(BUILD)/daemon/filter-cache.o \
    $(BUILD)/daemon/compress.o $(BUILD)/daemon/cache.o $(BUILD)/daemon/http.o
# The loop's clock and the timer are the test's own (a fake clock).
$(BUILD)/tests/test-timeout: $(BUILD)/daemon/timeout.o
$(BUILD)/tests/test-http-frame: $(BUILD)/daemon/http-frame.o \
    $(BUILD)/daemon/http.o
$(BUILD)/tests/test-reqbody: $(BUILD)/daemon/http-reqbody.o \
    $(BUILD)/daemon/http.o
$(BUILD)/tests/test-timeout: ALL_LDFLAGS += \
    -Wl,--wrap=uv_now,--wrap=uv_timer_start,--wrap=uv_timer_stop
# Its read(2) is wrapped to fail with EINTR and return short counts.
$(BUILD)/tests/test-file: ALL_LDFLAGS += -Wl,--wrap=read
# The exchange with all it calls that has no I/O: the body pump, its
# filters and the cache whatever files they live in; the client side
# (client-side.h), the backend connections, the gate and passive health are
# fakes in the test.
EXCHANGE_OBJ = $(patsubst %.c,$(BUILD)/%.o,daemon/exchange.c \
    daemon/proxy-head.c $(wildcard daemon/filter*.c daemon/cache*.c)) \
    $(BUILD)/daemon/http.o $(BUILD)/daemon/http-frame.o \
    $(BUILD)/daemon/http-reqbody.o \
    $(BUILD)/daemon/route.o $(BUILD)/daemon/path.o $(BUILD)/daemon/config.o \
    $(BUILD)/daemon/errpage.o $(BUILD)/daemon/stats.o \
    $(BUILD)/daemon/switch.o $(BUILD)/daemon/compress.o \
    $(BUILD)/daemon/timeout.o $(GATE_CONF_OBJ)
$(BUILD)/tests/test-exchange: $(EXCHANGE_OBJ)

unit-build: $(UNIT_BIN)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

# The whole suite; the last line of its output is "check: N passed, N failed".
check:
	scripts/deps.sh check
	WERROR="$(WERROR)" tests/check.sh

# The TLS unit tests against both mbedTLS generations (2.28 from the system,
# 3.6 built by scripts/mbedtls3.sh), then the TLS end-to-end tests.
check-tls:
	scripts/mbedtls3.sh >/dev/null
	$(MAKE) BUILD=build $(if $(WERROR),WERROR=$(WERROR)) build/tests/test-tls build/frontdoor
	build/tests/test-tls
	$(MAKE) MBEDTLS=3 BUILD=build-mbedtls3 $(if $(WERROR),WERROR=$(WERROR)) \
	    build-mbedtls3/tests/test-tls
	build-mbedtls3/tests/test-tls
	$(MAKE) MBEDTLS=3 BUILD=build-mbedtls3 $(if $(WERROR),WERROR=$(WERROR)) \
	    build-mbedtls3/frontdoord
	FRONTDOORD=build-mbedtls3/frontdoord \
	    /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e/test_tls.py

# Each one-line mutation of tests/mutations must make its tests fail (slow:
# a scratch copy of the tree is built, then rebuilt per mutation; not part
# of check).  MUTATE_ARGS: names to pick, --no-baseline, --keep.
mutate:
	/usr/bin/python3 scripts/mutate -j2 $(MUTATE_ARGS)

demo:
	scripts/deps.sh demo
	$(MAKE) all
	scripts/demo.sh

# Everything, with AddressSanitizer and UBSan, into build-asan/.
ASAN_SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer
asan:
	$(MAKE) BUILD=build-asan SANFLAGS="$(ASAN_SANFLAGS)" OPT="-O1 -g" \
	    all unit-build

# Benchmarks, see bench/README.md: frontdoord against nginx and HAProxy in
# front of an nginx origin on 127.0.0.1.  QUICK=1: under 2 minutes;
# BENCH_ARGS passes options to bench/run.  frontdoord is built apart in
# $(BENCH_BUILD)/, optimised and without sanitizers.
BENCH_BUILD ?= build-bench
bench:
	@if [ -x scripts/deps.sh ]; then scripts/deps.sh bench; fi
	$(MAKE) BUILD=$(BENCH_BUILD) CFLAGS="-O2 -g" SANFLAGS= \
	    $(BENCH_BUILD)/frontdoord
	/usr/bin/python3 bench/run --frontdoord $(BENCH_BUILD)/frontdoord \
	    --build $(BENCH_BUILD) $(if $(filter-out 0 no,$(QUICK)),--quick) \
	    $(BENCH_ARGS)

# A few seconds of load through frontdoord; fails on errors, never on speed.
bench-smoke: $(BUILD)/frontdoord
	/usr/bin/python3 bench/smoke $(BUILD)/frontdoord

install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)
	$(INSTALL) -m 755 $(BUILD)/frontdoord $(DESTDIR)$(SBINDIR)/frontdoord
	$(INSTALL) -m 755 $(BUILD)/frontdoor $(DESTDIR)$(BINDIR)/frontdoor
	$(INSTALL) -m 644 man/frontdoor.1 $(DESTDIR)$(MANDIR)/man1/frontdoor.1
	$(INSTALL) -m 644 man/frontdoor.ini.5 $(DESTDIR)$(MANDIR)/man5/frontdoor.ini.5
	$(INSTALL) -m 644 man/frontdoord.8 $(DESTDIR)$(MANDIR)/man8/frontdoord.8
	$(INSTALL) -m 644 config/frontdoor.ini \
	    $(DESTDIR)$(SYSCONFDIR)/frontdoor.ini.example
	sed 's|/usr/local/sbin/frontdoord|$(SBINDIR)/frontdoord|' \
	    config/frontdoord.service >$(DESTDIR)$(UNITDIR)/frontdoord.service
	chmod 644 $(DESTDIR)$(UNITDIR)/frontdoord.service

# Our C sources; clang-format reads .clang-format at the top.
FORMAT_SRC = $(sort $(wildcard common/*.[ch] daemon/*.[ch] tui/*.[ch] \
	     tests/unit/*.[ch] fuzz/*.[ch]))

# The two rules clang-format cannot apply (return x; sizeof x for an
# expression, sizeof(type): see .clang-format) are scripts/style-fix's; the
# format check holds every file to them too.

format:
	scripts/style-fix $(FORMAT_SRC)
	$(CLANG_FORMAT) -i $(FORMAT_SRC)

format-check:
	@bad=; rc=0; for f in $(FORMAT_SRC); do \
		$(CLANG_FORMAT) "$$f" | cmp -s - "$$f" || bad="$$bad $$f"; \
	done; \
	if [ -n "$$bad" ]; then \
		echo "format-check: these differ from clang-format (run make format):"; \
		for f in $$bad; do echo "  $$f"; done; \
		rc=1; \
	fi; \
	scripts/style-fix --check $(FORMAT_SRC) || rc=1; \
	[ $$rc = 0 ] && echo "format-check: $(words $(FORMAT_SRC)) files ok"; \
	exit $$rc

# common/ includes libc only, the daemon and the dashboard never each other,
# each library only in the file that wraps it (see scripts/layer-check).
layer-check:
	@scripts/layer-check

clean:
	rm -rf $(BUILD) build-*

# Fuzz targets and fuzz-replay (libFuzzer, clang).
-include fuzz/fuzz.mk

-include $(shell find $(BUILD) -path $(BUILD)/mbedtls3 -prune -o -type f -name '*.d' -print 2>/dev/null)
