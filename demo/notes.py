#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""frontdoor demo app "notes": an HTML page and a small JSON API.

Routes (behind frontdoor with strip_path = yes, so /notes/... arrives as /...):
  GET  /              HTML list of notes with a form
  GET  /api/notes     JSON list
  POST /api/notes     add a note (form field or JSON {"text": ...})
  GET  /healthz       "ok"
Run:  /usr/bin/python3 demo/notes.py --port 9001
"""

import argparse
import html
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NOTES = [
    {"id": 1, "text": "Renew the TLS certificate for cloud.example.com", "at": "2026-11-01"},
    {"id": 2, "text": "Jellyfin: rescan the music library", "at": "2026-11-12"},
    {"id": 3, "text": "Back up Home Assistant before the upgrade", "at": "2026-11-20"},
]
LOCK = threading.Lock()
MAX_NOTES = 200


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "notes-demo/1.0"

    def log_message(self, fmt, *args):  # frontdoor's access log is the show
        pass

    def send(self, status, body, ctype):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def page(self):
        with LOCK:
            items = "".join("<li>%s <small>(%s)</small></li>" % (html.escape(n["text"]), n["at"])
                            for n in NOTES)
        who = html.escape(self.headers.get("X-Real-IP", "?"))
        rid = html.escape(self.headers.get("X-Request-Id", "?"))
        return ("<!doctype html><html><head><meta charset=utf-8><title>Notes</title></head>"
                "<body><h1>Notes</h1><ul>%s</ul>"
                "<form method=post action=api/notes><input name=text>"
                "<button>Add</button></form>"
                "<p><a href=api/notes>JSON API</a></p>"
                "<p><small>You are %s; request id %s (added by frontdoor).</small></p>"
                "</body></html>" % (items, who, rid))

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        if path in ("/", "/index.html"):
            self.send(200, self.page(), "text/html; charset=utf-8")
        elif path == "/api/notes":
            with LOCK:
                body = json.dumps(NOTES, indent=1)
            self.send(200, body + "\n", "application/json")
        elif path == "/healthz":
            self.send(200, "ok\n", "text/plain")
        else:
            self.send(404, "no such note page\n", "text/plain")

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        n = int(self.headers.get("Content-Length") or 0)
        if path != "/api/notes" or n > 4096:
            self.send(404 if path != "/api/notes" else 413, "no\n", "text/plain")
            return
        raw = self.rfile.read(n).decode(errors="replace")
        if (self.headers.get("Content-Type") or "").startswith("application/json"):
            try:
                text = str(json.loads(raw).get("text", ""))
            except (ValueError, AttributeError):
                self.send(400, "bad json\n", "text/plain")
                return
        else:
            text = urllib.parse.parse_qs(raw).get("text", [""])[0]
        text = text.strip()[:200] or "(empty)"
        with LOCK:
            note = {"id": len(NOTES) + 1, "text": text, "at": time.strftime("%Y-%m-%d")}
            NOTES.append(note)
            del NOTES[:-MAX_NOTES]
        self.send(201, json.dumps(note) + "\n", "application/json")


def main():
    ap = argparse.ArgumentParser(description="frontdoor demo: notes")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--bind", default="127.0.0.1")
    args = ap.parse_args()
    srv = ThreadingHTTPServer((args.bind, args.port), Handler)
    srv.daemon_threads = True
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
