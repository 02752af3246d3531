/* SPDX-License-Identifier: ISC */
/* The small error pages frontdoor answers with by itself. */

#include <stdio.h>
#include <string.h>

#include "errpage.h"
#include "http.h"

static const char *
errpage_text(int status)
{
	switch (status) {
	case 301:
	case 308:
		return "This address has moved for good: see Location.";
	case 302:
	case 303:
	case 307:
		return "This address is answered elsewhere for now: see "
		       "Location.";
	case 400:
		return "The request could not be understood.";
	case 404:
		return "No site is configured for this address.";
	case 408:
		return "The request did not arrive in time.";
	case 413:
		return "The request body is larger than allowed.";
	case 414:
		return "The request address is longer than allowed.";
	case 431:
		return "The request headers are larger than allowed.";
	case 502:
		return "The application behind this site did not answer "
		       "properly.";
	case 503:
		return "This site is not available right now.";
	case 504:
		return "The application behind this site did not answer "
		       "in time.";
	case 505:
		return "This HTTP version is not supported.";
	default:
		return "";
	}
}

const char *
errpage_type(int html)
{
	return html ? "Content-Type: text/html; charset=utf-8\r\n" :
	              "Content-Type: text/plain; charset=utf-8\r\n";
}

void
errpage_fields(struct buf *out, int status, const char *id, const char *headers)
{
	buf_printf(out,
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: %s\r\n"
	    "%s"
	    "%s",
	    id, headers != NULL ? headers : "",
	    status == 503 ? "Retry-After: 10\r\n" : "");
}

void
errpage_page(struct buf *out, int status, const char *id, int html,
    const char *text_override)
{
	const char *reason = http_reason(status), *text;
	char        body[1024];
	int         n;

	text = text_override != NULL ? text_override : errpage_text(status);
	if (html) {
		n = snprintf(body, sizeof body,
		    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
		    "<title>%d %s</title></head>\n<body>"
		    "<h1>%d %s</h1>\n<p>%s</p>\n"
		    "<p><small>Request ID: %s</small></p>\n"
		    "<hr><p><small>frontdoor</small></p>\n</body></html>\n",
		    status, reason, status, reason, text, id);
	} else {
		n = snprintf(body, sizeof body, "%d %s\n%s\nRequest ID: %s\n",
		    status, reason, text, id);
	}
	if (n < 0 || (size_t)n >= sizeof body)
		n = (int)strlen(body);
	buf_append(out, body, (size_t)n);
}
