# SPDX-License-Identifier: ISC
# libFuzzer targets, included by the Makefile: build, run and replay them.
#
#   make fuzz                      build every target into $(BUILD)/fuzz/
#   make fuzz-run [FUZZ_TIME=600]  fuzz every target at once for FUZZ_TIME
#                                  seconds; findings and new inputs go to a
#                                  temporary directory, never to the repo
#   make fuzz-replay               run every target once over its corpus
#                                  (part of make check); fails on a crash
#
# Each target fuzz/NAME.c has a seed corpus in fuzz/corpus/NAME/ and may have
# a dictionary fuzz/NAME.dict.  To add one, append NAME to FUZZ_TARGETS and
# name the sources it needs besides fuzz/NAME.c as prerequisites of
# $(BUILD)/fuzz/NAME.

FUZZ_CC	      ?= clang
FUZZ_SANFLAGS  = -fsanitize=fuzzer,address,undefined \
		 -fno-sanitize-recover=undefined
FUZZ_CFLAGS    = -std=gnu11 $(WARN) -g -O1 $(FUZZ_SANFLAGS) -D_GNU_SOURCE \
		 $(FUZZ_INC)
# The daemon's layers; a target of common/ code alone sees only common/.
FUZZ_INC       = -Icommon -Idaemon
FUZZ_TIME     ?= 60
FUZZ_TARGETS  += fuzz-request fuzz-response fuzz-chunked
FUZZ_BIN       = $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)

.PHONY: fuzz fuzz-run fuzz-replay

$(BUILD)/fuzz/%: fuzz/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $(filter %.c,$^)

$(BUILD)/fuzz/fuzz-request: daemon/http.c daemon/http.h
$(BUILD)/fuzz/fuzz-response: daemon/http.c daemon/http.h
$(BUILD)/fuzz/fuzz-chunked: daemon/http.c daemon/http.h

# The canonical path: idempotent, bounded, no dot segment in any reading.
FUZZ_TARGETS  += fuzz-path
$(BUILD)/fuzz/fuzz-path: daemon/path.c daemon/path.h

# The backend's request head, rewritten and parsed again strictly.
FUZZ_TARGETS  += fuzz-head
$(BUILD)/fuzz/fuzz-head: daemon/proxy-head.c daemon/proxy-head.h daemon/http.c \
    daemon/path.c common/buf.c common/util.c

# The TLS server side, with mbedTLS (MBEDTLS=3 works here too).
FUZZ_TARGETS  += fuzz-tls-hello
$(BUILD)/fuzz/fuzz-tls-hello: fuzz/fuzz-tls-hello.c daemon/tls.c daemon/tls.h \
    daemon/config.h common/buf.c common/file.c common/util.c $(TLS_DEP)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(TLS_CFLAGS) -o $@ $(filter %.c,$^) \
	    $(TLS_LIBS) -lpthread

# The control protocol: request lines (daemon) and JSON replies (client).
FUZZ_TARGETS  += fuzz-ctl
$(BUILD)/fuzz/fuzz-ctl: common/ctlproto.c common/buf.c common/json-read.c \
    common/util.c
$(BUILD)/fuzz/fuzz-ctl: FUZZ_INC = -Icommon

# Prerequisites expand as read: these rules follow the last target above.
fuzz: $(FUZZ_BIN)

# All targets run side by side; each gets its own directory under one
# mktemp -d for new inputs (fuzz/corpus/NAME is read, never written),
# crash artifacts and its log.  Fails when any target found something.
fuzz-run: $(FUZZ_BIN)
	@out=$$(mktemp -d /tmp/frontdoor-fuzz.XXXXXX); \
	echo "fuzz-run: $(FUZZ_TIME)s each, output in $$out"; \
	pids=; \
	for t in $(FUZZ_TARGETS); do \
		mkdir -p $$out/$$t/corpus; \
		dict=; [ -f fuzz/$$t.dict ] && dict=-dict=fuzz/$$t.dict; \
		$(BUILD)/fuzz/$$t -max_total_time=$(FUZZ_TIME) $$dict \
		    -artifact_prefix=$$out/$$t/ -print_final_stats=1 \
		    $$out/$$t/corpus fuzz/corpus/$$t \
		    >$$out/$$t/log 2>&1 & \
		pids="$$pids $$!"; \
	done; \
	rc=0; set -- $(FUZZ_TARGETS); \
	for p in $$pids; do \
		d=$$out/$$1; \
		if wait $$p; then s=ok; else s=FAILED; rc=1; fi; \
		echo "fuzz-run: $$1: $$s;" \
		    "$$(ls $$d | grep -cE '^(crash|leak|timeout|oom)-')" \
		    "finding(s), $$(sed -n 's/^stat::number_of_executed_units: *//p' \
		    $$d/log) runs, $$(ls $$d/corpus | wc -l) new inputs;" \
		    "log in $$d/log"; \
		shift; \
	done; \
	exit $$rc

# Every corpus file once, by name, so nothing is written back.
fuzz-replay: $(FUZZ_BIN)
	@set -e; for t in $(FUZZ_TARGETS); do \
		n=$$(ls fuzz/corpus/$$t | wc -l); \
		$(BUILD)/fuzz/$$t fuzz/corpus/$$t/* \
		    >$(BUILD)/fuzz/$$t.replay.log 2>&1 || { \
			tail -30 $(BUILD)/fuzz/$$t.replay.log; \
			echo "fuzz-replay: $$t FAILED"; exit 1; }; \
		echo "fuzz-replay: $$t: $$n inputs ok"; \
	done
