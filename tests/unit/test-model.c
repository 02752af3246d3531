/* SPDX-License-Identifier: ISC */
/* Unit tests for tui/model.c (the dashboard's state) and tui/input.c. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "json-read.h"
#include "model.h"

static struct jsonr *
parse(const char *s)
{
	char          err[128];
	struct jsonr *v = jsonr_parse(s, strlen(s), err, sizeof err);

	if (v == NULL)
		fail_msg("bad test JSON: %s: %s", err, s);
	return v;
}

static void
feed_event(struct model *m, const char *json)
{
	struct jsonr *ev = parse(json);

	model_event(m, ev);
	jsonr_free(ev);
}

static void
request(struct model *m, const char *client, const char *path, int status,
    const char *route)
{
	char json[512];

	snprintf(json, sizeof json,
	    "{\"type\":\"request\",\"time\":\"2026-11-27T09:00:01.123Z\","
	    "\"client\":\"%s\",\"country\":\"DE\",\"method\":\"GET\","
	    "\"host\":\"a.example\",\"path\":\"%s\",\"status\":%d,"
	    "\"bytes\":1,\"ms\":4,\"route\":\"%s\",\"backend\":\"b\","
	    "\"rule\":\"\"}",
	    client, path, status, route);
	feed_event(m, json);
}

static void
test_status(void **state)
{
	struct model *m = model_new();
	struct jsonr *st = parse(
	    "{\"version\":\"0.1.0\",\"protocol\":1,\"pid\":12,\"uptime\":42,"
	    "\"config\":\"/etc/fd.ini\",\"generation\":3,\"reload\":{\"time\":"
	    "5,\"ok\":false,\"errors\":[\"a.ini:1: bad\",\"a.ini:2: worse\"]},"
	    "\"connections\":5,\"requests\":100,\"status\":{\"1xx\":0,\"2xx\":"
	    "90,\"3xx\":0,\"4xx\":6,\"5xx\":4},\"rps\":2.5,\"workers\":2}");
	struct jsonr *st2 = parse("{\"requests\":150,\"reload\":{}}");

	(void)state;
	model_status(m, st, 1000);
	assert_true(m->status.have);
	assert_string_equal(m->status.version, "0.1.0");
	assert_int_equal(m->status.generation, 3);
	assert_false(m->status.reload_ok);
	assert_string_equal(m->status.reload_errors,
	    "a.ini:1: bad; a.ini:2: worse");
	assert_int_equal(m->status.status[5], 4);
	assert_int_equal(m->status.requests, 100);
	/* The first poll gives no rate; the second: 50 requests in 500 ms. */
	assert_true(m->spark[MODEL_SPARK - 1] == 0);
	model_status(m, st2, 1500);
	assert_true(m->spark[MODEL_SPARK - 1] == 100);
	assert_true(m->status.reload_ok);
	assert_null(m->status.reload_errors);
	jsonr_free(st);
	jsonr_free(st2);
	model_free(m);
}

static void
test_routes_backends(void **state)
{
	struct model *m = model_new();
	struct jsonr *r[2], *b[3];
	char          h[32];

	(void)state;
	r[0] =
	    parse("{\"name\":\"cloud\",\"hosts\":[\"c.example\",\"d.example\"],"
	          "\"path\":\"/\",\"state\":\"disabled\",\"configured\":"
	          "\"enabled\",\"differs\":true,\"requests\":10,\"rps\":1.5,"
	          "\"errors\":2,\"p50_ms\":1.5,\"p99_ms\":9.5,\"denied\":{"
	          "\"auth\":1,\"ip\":2,\"country\":0,\"rate\":3,\"ban\":0},"
	          "\"cache\":{\"hits\":30,\"misses\":10,\"bypass\":2,"
	          "\"bytes\":4096,\"entries\":3,\"size\":9000,\"max\":65536}}");
	r[1] = parse("{\"name\":\"web\",\"hosts\":[],\"path\":\"/x\","
	             "\"state\":\"enabled\",\"configured\":\"enabled\","
	             "\"requests\":0}");
	model_routes(m, r, 2, 1000);
	assert_int_equal(m->nroutes, 2);
	assert_string_equal(m->routes[0].hosts, "c.example d.example");
	assert_string_equal(m->routes[1].hosts, "*");
	assert_true(m->routes[0].differs);
	assert_int_equal(m->routes[0].denied, 6);
	assert_true(m->routes[0].cached);
	assert_int_equal(m->routes[0].cache_hits, 30);
	assert_int_equal(m->routes[0].cache_misses, 10);
	assert_int_equal(m->routes[0].cache_bypass, 2);
	assert_int_equal(m->routes[0].cache_bytes, 4096);
	assert_false(m->routes[1].cached);
	assert_true(m->routes[0].p99 == 9.5);
	jsonr_free(r[0]);
	/* A second reply two seconds later: 30 more requests, 15/s. */
	r[0] = parse("{\"name\":\"cloud\",\"requests\":40,\"state\":"
	             "\"enabled\"}");
	model_routes(m, r, 2, 3000);
	assert_true(m->routes[0].spark[MODEL_SPARK - 1] == 15);
	assert_ptr_equal(model_route_find(m, "web"), &m->routes[1]);
	assert_null(model_route_find(m, "nope"));

	b[0] = parse("{\"route\":\"cloud\",\"address\":\"10.0.0.1:80\","
	             "\"state\":\"up\",\"health\":\"up\",\"last\":\"200\","
	             "\"active\":1,\"requests\":5,\"failures\":0}");
	b[1] = parse("{\"route\":\"cloud\",\"address\":\"10.0.0.2:80\","
	             "\"state\":\"draining\",\"health\":\"up\",\"active\":3}");
	b[2] = parse("{\"route\":\"web\",\"address\":\"10.0.0.3:80\","
	             "\"state\":\"down\",\"health\":\"down\",\"last\":"
	             "\"connect: refused\"}");
	model_backends(m, b, 3);
	assert_int_equal(m->nbackends, 3);
	model_route_health(m, "cloud", h, sizeof h);
	assert_string_equal(h, "1/2 up");
	model_route_health(m, "web", h, sizeof h);
	assert_string_equal(h, "0/1 up");
	model_route_health(m, "none", h, sizeof h);
	assert_string_equal(h, "-");

	/* Events change states at once, and ask for fresh tables. */
	assert_int_equal(model_event(m, r[1]), 1); /* no type: ask again */
	feed_event(m,
	    "{\"type\":\"route\",\"name\":\"web\",\"state\":"
	    "\"maintenance\"}");
	assert_string_equal(m->routes[1].state, "maintenance");
	assert_true(m->routes[1].differs);
	feed_event(m,
	    "{\"type\":\"backend\",\"route\":\"cloud\",\"address\":"
	    "\"10.0.0.1:80\",\"state\":\"disabled\"}");
	assert_string_equal(m->backends[0].state, "disabled");
	assert_true(m->backends[0].differs);

	jsonr_free(r[0]);
	jsonr_free(r[1]);
	jsonr_free(b[0]);
	jsonr_free(b[1]);
	jsonr_free(b[2]);
	model_free(m);
}

static void
test_ring(void **state)
{
	struct model             *m = model_new();
	const struct model_event *ev[4];
	char                      path[32];
	int                       i;

	(void)state;
	for (i = 0; i < MODEL_EVENTS + 500; i++) {
		snprintf(path, sizeof path, "/p%d", i);
		request(m, "10.0.0.1", path, 200, "web");
	}
	assert_int_equal(m->nevents, MODEL_EVENTS);
	assert_int_equal(m->seq, MODEL_EVENTS + 500);
	assert_int_equal(model_live_count(m), MODEL_EVENTS);
	assert_int_equal(model_live(m, 0, ev, 2), 2);
	snprintf(path, sizeof path, "/p%d", MODEL_EVENTS + 499);
	assert_string_equal(ev[0]->path, path);
	assert_string_equal(ev[0]->time, "09:00:01");
	/* The oldest kept is number 500. */
	assert_int_equal(model_live(m, MODEL_EVENTS - 1, ev, 4), 1);
	assert_string_equal(ev[0]->path, "/p500");

	/* Paused: new events are kept but not shown until follow. */
	model_pause(m, 1);
	request(m, "10.0.0.1", "/new", 200, "web");
	model_live(m, 0, ev, 1);
	snprintf(path, sizeof path, "/p%d", MODEL_EVENTS + 499);
	assert_string_equal(ev[0]->path, path);
	model_pause(m, 0);
	model_live(m, 0, ev, 1);
	assert_string_equal(ev[0]->path, "/new");
	model_free(m);
}

static void
test_filter(void **state)
{
	struct model             *m = model_new();
	const struct model_event *ev[8];

	(void)state;
	request(m, "10.0.0.1", "/index.html", 200, "web");
	request(m, "10.0.0.2", "/api/Users", 500, "api");
	request(m, "10.0.0.3", "/api/login", 404, "api");
	request(m, "10.0.0.1", "/missing", 404, "web");
	assert_int_equal(model_live_count(m), 4);
	assert_int_equal(model_filter_text(m, "api"), 0);
	assert_true(model_filter_active(m));
	assert_int_equal(model_live_count(m), 2);
	model_filter_text(m, "USERS"); /* any case */
	assert_int_equal(model_live(m, 0, ev, 8), 1);
	assert_string_equal(ev[0]->client, "10.0.0.2");
	model_filter_text(m, "4xx");
	assert_int_equal(model_live_count(m), 2);
	model_filter_text(m, "4xx route:web");
	assert_int_equal(model_live(m, 0, ev, 8), 1);
	assert_string_equal(ev[0]->path, "/missing");
	model_filter_text(m, "route:we");
	assert_int_equal(model_live_count(m), 0);
	model_filter_text(m, "");
	model_filter_status(m, 5);
	assert_int_equal(model_live_count(m), 1);
	model_filter_status(m, 0);
	model_filter_route(m, "web");
	assert_int_equal(model_live_count(m), 2);
	model_filter_route(m, "");
	assert_false(model_filter_active(m));
	{
		char big[300];

		memset(big, 'a', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		assert_int_equal(model_filter_text(m, big), -1);
	}
	model_free(m);
}

static void
test_top(void **state)
{
	struct model             *m = model_new();
	const struct model_count *top[8];
	char                      addr[32];
	int                       i;

	(void)state;
	for (i = 0; i < 5; i++)
		request(m, "10.0.0.9", "/", 200, "web");
	for (i = 0; i < 3; i++)
		request(m, "10.0.0.8", "/", 500, "web");
	request(m, "10.0.0.7", "/", 403, "web");
	/* Many one-off clients: the table stays bounded, heavy ones stay. */
	for (i = 0; i < 5000; i++) {
		snprintf(addr, sizeof addr, "192.168.%d.%d", i / 256, i % 256);
		request(m, addr, "/", 200, "web");
	}
	assert_true(m->nclients <= MODEL_CLIENTS);
	assert_int_equal(model_top_clients(m, top, 3), 3);
	assert_string_equal(top[0]->key, "10.0.0.9");
	assert_int_equal(top[0]->requests, 5);
	assert_string_equal(top[1]->key, "10.0.0.8");
	assert_int_equal(top[1]->errors, 3);
	assert_int_equal(model_top_countries(m, top, 8), 1);
	assert_string_equal(top[0]->key, "DE");
	assert_int_equal(top[0]->requests, 5009);
	assert_int_equal(top[0]->denied, 1);
	model_free(m);
}

static void
test_bans(void **state)
{
	struct model *m = model_new();
	struct jsonr *b[1];

	(void)state;
	assert_int_equal(m->bans_state, MODEL_BANS_UNKNOWN);
	model_bans_error(m, "not available in this version");
	assert_int_equal(m->bans_state, MODEL_BANS_UNAVAILABLE);
	b[0] = parse("{\"address\":\"1.2.3.4\",\"until\":2000000000,\"left\":"
	             "60,\"reason\":\"auth failures\"}");
	model_bans(m, b, 1);
	assert_int_equal(m->bans_state, MODEL_BANS_OK);
	assert_non_null(model_ban_find(m, "1.2.3.4"));
	assert_null(model_ban_find(m, "1.2.3.5"));
	assert_int_equal(model_ban_find(m, "1.2.3.4")->left, 60);
	jsonr_free(b[0]);
	model_free(m);
}

static void
test_safe(void **state)
{
	char out[64];

	(void)state;
	/* A terminal escape never goes through raw. */
	model_safe(out, sizeof out, "/a\x1b[2J\\b", 8, 1);
	assert_string_equal(out, "/a\\x1b[2J\\\\b");
	/* UTF-8 is kept when the terminal takes it, else escaped. */
	model_safe(out, sizeof out, "/caf\xc3\xa9", 6, 1);
	assert_string_equal(out, "/caf\xc3\xa9");
	model_safe(out, sizeof out, "/caf\xc3\xa9", 6, 0);
	assert_string_equal(out, "/caf\\xc3\\xa9");
	/* C1 controls (CSI as U+009B), bidi overrides, invalid bytes. */
	model_safe(out, sizeof out,
	    "\xc2\x9b"
	    "1m",
	    4, 1);
	assert_string_equal(out, "\\xc2\\x9b1m");
	model_safe(out, sizeof out,
	    "a\xe2\x80\xae"
	    "b",
	    5, 1);
	assert_string_equal(out, "a\\xe2\\x80\\xaeb");
	model_safe(out, sizeof out, "\xff\xc3", 2, 1);
	assert_string_equal(out, "\\xff\\xc3");
	model_safe(out, sizeof out, "\xc0\xaf", 2, 1); /* overlong "/" */
	assert_string_equal(out, "\\xc0\\xaf");
	model_safe(out, sizeof out, "a\0b", 3, 1);
	assert_string_equal(out, "a\\x00b");
	/* Cut short, marked. */
	assert_int_equal(model_safe(out, 6, "abcdefgh", 8, 1), 5);
	assert_string_equal(out, "abcd~");
	assert_int_equal(model_safe(out, 6, "abcde", 5, 1), 5);
	assert_string_equal(out, "abcde");
	model_safe(out, 6, "a\x1b\x1b", 3, 1);
	assert_string_equal(out, "a~");
}

static void
test_keys(void **state)
{
	struct input_dec dec;
	int              keys[16];
	size_t           n;

	(void)state;
	memset(&dec, 0, sizeof dec);
	n = input_feed(&dec, "j\x1b[A\x1bOB\x1b[Z\x1b[6~q", 15, keys, 16);
	assert_int_equal(n, 6);
	assert_int_equal(keys[0], 'j');
	assert_int_equal(keys[1], INPUT_KEY_UP);
	assert_int_equal(keys[2], INPUT_KEY_DOWN);
	assert_int_equal(keys[3], INPUT_KEY_BTAB);
	assert_int_equal(keys[4], INPUT_KEY_PGDN);
	assert_int_equal(keys[5], 'q');
	/* A sequence split over two reads. */
	assert_int_equal(input_feed(&dec, "\x1b[", 2, keys, 16), 0);
	assert_true(input_pending(&dec));
	assert_int_equal(input_feed(&dec, "B", 1, keys, 16), 1);
	assert_int_equal(keys[0], INPUT_KEY_DOWN);
	/* A lone Escape shows only when the wait is over. */
	assert_int_equal(input_feed(&dec, "\x1b", 1, keys, 16), 0);
	assert_int_equal(input_flush(&dec, keys, 16), 1);
	assert_int_equal(keys[0], INPUT_KEY_ESC);
	assert_false(input_pending(&dec));
	/* Unknown sequences vanish; Escape Escape is one Escape, then more. */
	assert_int_equal(input_feed(&dec, "\x1b[99xk", 6, keys, 16), 1);
	assert_int_equal(keys[0], 'k');
	assert_int_equal(input_feed(&dec, "\x1b\x1b[D", 4, keys, 16), 2);
	assert_int_equal(keys[0], INPUT_KEY_ESC);
	assert_int_equal(keys[1], INPUT_KEY_LEFT);
}

static void
test_bindings(void **state)
{
	const struct input_binding *b;

	(void)state;
	b = input_lookup(SCREEN_ROUTES, ' ');
	assert_non_null(b);
	assert_int_equal(b->action, ACT_ROUTE_TOGGLE);
	assert_true(input_changes(b->action));
	assert_null(input_lookup(SCREEN_BACKENDS, ' '));
	assert_int_equal(input_lookup(SCREEN_BACKENDS, 'd')->action,
	    ACT_BACKEND_DRAIN);
	assert_int_equal(input_lookup(SCREEN_LIVE, '/')->action, ACT_FILTER);
	assert_int_equal(input_lookup(SCREEN_HELP, '3')->arg, SCREEN_BACKENDS);
	assert_int_equal(input_lookup(SCREEN_LIVE, INPUT_KEY_BTAB)->action,
	    ACT_PREV_SCREEN);
	assert_false(input_changes(ACT_FILTER));
	assert_false(input_changes(ACT_QUIT));
}

static void
test_changes(void **state)
{
	struct input_change c, u, uu;
	char                why[128];

	(void)state;
	assert_int_equal(input_change_route(&c, ACT_ROUTE_TOGGLE, "cloud",
	                     "enabled", why, sizeof why),
	    0);
	assert_int_equal(c.nwords, 3);
	assert_string_equal(c.words[1], "disable");
	assert_string_equal(c.what, "disable route cloud");
	assert_int_equal(input_change_undo(&u, &c), 0);
	assert_string_equal(u.words[0], "route");
	assert_string_equal(u.words[1], "enable");
	assert_string_equal(u.words[2], "cloud");
	/* The undo of an undo is the change again. */
	assert_int_equal(input_change_undo(&uu, &u), 0);
	assert_string_equal(uu.words[1], "disable");

	/* From maintenance, toggling enables; undo puts maintenance back. */
	input_change_route(&c, ACT_ROUTE_TOGGLE, "cloud", "maintenance", why,
	    sizeof why);
	assert_string_equal(c.words[1], "enable");
	input_change_undo(&u, &c);
	assert_string_equal(u.words[0], "maintenance");
	assert_string_equal(u.words[1], "on");
	input_change_route(&c, ACT_MAINTENANCE, "cloud", "maintenance", why,
	    sizeof why);
	assert_string_equal(c.words[1], "off");

	assert_int_equal(input_change_backend(&c, ACT_BACKEND_DRAIN, "cloud",
	                     "10.0.0.1:80", "up", why, sizeof why),
	    0);
	assert_int_equal(c.nwords, 4);
	assert_string_equal(c.words[1], "drain");
	assert_string_equal(c.undo[1], "enable");
	assert_string_equal(c.undo[3], "10.0.0.1:80");

	assert_int_equal(input_change_ban(&c, ACT_BAN, "1.2.3.4", 0, why,
	                     sizeof why),
	    0);
	assert_string_equal(c.words[0], "ban");
	assert_string_equal(c.undo[0], "unban");
	assert_int_equal(input_change_ban(&c, ACT_UNBAN, "1.2.3.4", 0, why,
	                     sizeof why),
	    -1);
	assert_string_equal(why, "1.2.3.4 is not banned");

	/* Names that cannot be sent are refused before asking. */
	assert_int_equal(input_change_route(&c, ACT_ROUTE_TOGGLE, "a b",
	                     "enabled", why, sizeof why),
	    -1);
	assert_int_equal(input_change_route(&c, ACT_ROUTE_TOGGLE, "", "enabled",
	                     why, sizeof why),
	    -1);

	input_change_reload(&c);
	assert_int_equal(input_change_undo(&u, &c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_routes_backends),
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_top),
		cmocka_unit_test(test_bans),
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_bindings),
		cmocka_unit_test(test_changes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
