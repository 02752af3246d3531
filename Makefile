# SPDX-License-Identifier: ISC
# frontdoor: one non-recursive Makefile.  Objects go under $(BUILD)/.

CC	?= cc
BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=

WARN	 = -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wwrite-strings -Wpointer-arith -Wvla \
	   -Wimplicit-fallthrough
ifneq ($(WERROR),)
WARN	+= -Werror
endif
OPT	?= -O2 -g
CFLAGS	?= $(OPT)
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) -D_GNU_SOURCE -Icommon -Idaemon -Itui \
	   $(SANFLAGS) -MMD -MP
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

UV_CFLAGS := $(shell pkg-config --cflags libuv 2>/dev/null)
UV_LIBS	  := $(shell pkg-config --libs libuv 2>/dev/null || echo -luv)
INIH_LIBS := $(shell pkg-config --libs inih 2>/dev/null || echo -linih)

COMMON_SRC := $(wildcard common/*.c)
DAEMON_SRC := $(wildcard daemon/*.c)
TUI_SRC	   := $(wildcard tui/*.c)

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(BUILD)/%.o)
DAEMON_LIB_OBJ := $(filter-out $(BUILD)/daemon/main.o,$(DAEMON_OBJ))
TUI_OBJ	   := $(TUI_SRC:%.c=$(BUILD)/%.o)

DAEMON_LIBS = $(UV_LIBS) $(INIH_LIBS) -lpthread
TUI_LIBS    = $(UV_LIBS)

UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all clean check unit
all: $(BUILD)/frontdoord $(BUILD)/frontdoor

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(UV_CFLAGS) -c -o $@ $<

$(BUILD)/frontdoord: $(DAEMON_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(DAEMON_LIBS)

$(BUILD)/frontdoor: $(TUI_OBJ) $(COMMON_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(TUI_LIBS)

# Each unit test links common/ and only the daemon objects it names below,
# so a test builds while unrelated modules change.
$(BUILD)/tests/%: tests/unit/%.c $(COMMON_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(UV_CFLAGS) -o $@ $(filter %.c %.o,$^) $(ALL_LDFLAGS) -lcmocka $(DAEMON_LIBS)

$(BUILD)/tests/test-http: $(BUILD)/daemon/http.o
$(BUILD)/tests/test-chunked: $(BUILD)/daemon/http.o
$(BUILD)/tests/test-config: $(BUILD)/daemon/config.o $(BUILD)/daemon/route.o
$(BUILD)/tests/test-route: $(BUILD)/daemon/config.o $(BUILD)/daemon/route.o

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done

clean:
	rm -rf $(BUILD) build-*

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
