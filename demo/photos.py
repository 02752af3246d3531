#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""frontdoor demo app "photos": static-ish gallery pages and a slow endpoint.

Routes:
  GET /               gallery (HTML, inline SVG "photos")
  GET /photo/N        one photo page (N = 1..6)
  GET /img/N.svg      the picture itself
  GET /slow?ms=N      answers after N ms (max 10000): watch the access log's time
  GET /healthz        "ok"
Run:  /usr/bin/python3 demo/photos.py --port 9002
"""

import argparse
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PHOTOS = ["Lake at dawn", "Old town", "Cat on the router", "Server rack",
          "Mountain pass", "Garden in June"]
COLOURS = ["#4a90d9", "#d9a54a", "#8c5fbf", "#5fbf7a", "#bf5f5f", "#5fbfbf"]


def svg(n):
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160">'
            '<rect width="240" height="160" fill="%s"/>'
            '<circle cx="%d" cy="60" r="30" fill="#fff8"/>'
            '<text x="12" y="145" font-family="sans-serif" font-size="16" fill="#fff">%s</text>'
            '</svg>' % (COLOURS[n - 1], 40 + n * 25, PHOTOS[n - 1]))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "photos-demo/1.0"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype, extra=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        path, q = u.path, urllib.parse.parse_qs(u.query)
        if path in ("/", "/index.html"):
            cells = "".join('<a href="photo/%d"><img src="img/%d.svg" alt="%s"></a>'
                            % (i, i, t) for i, t in enumerate(PHOTOS, 1))
            self.send(200, "<!doctype html><html><head><meta charset=utf-8>"
                      "<title>Photos</title></head><body><h1>Photos</h1>%s"
                      "<p><a href=slow?ms=1500>a slow page</a></p></body></html>" % cells,
                      "text/html; charset=utf-8")
            return
        if path.startswith("/photo/") or path.startswith("/img/"):
            stem = path.rsplit("/", 1)[1].replace(".svg", "")
            if stem.isdigit() and 1 <= int(stem) <= len(PHOTOS):
                n = int(stem)
                if path.startswith("/img/"):
                    self.send(200, svg(n), "image/svg+xml",
                              [("Cache-Control", "max-age=3600"), ("ETag", '"p%d"' % n)])
                else:
                    self.send(200, '<!doctype html><html><body><h1>%s</h1>'
                              '<img src="../img/%d.svg"><p><a href="../">back</a></p>'
                              '</body></html>' % (PHOTOS[n - 1], n), "text/html; charset=utf-8")
                return
        if path == "/slow":
            try:
                ms = min(int(q.get("ms", ["1000"])[0]), 10000)
            except ValueError:
                ms = 1000
            time.sleep(ms / 1000.0)
            self.send(200, "slept %d ms\n" % ms, "text/plain")
            return
        if path == "/healthz":
            self.send(200, "ok\n", "text/plain")
            return
        self.send(404, "no such photo\n", "text/plain")


def main():
    ap = argparse.ArgumentParser(description="frontdoor demo: photos")
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
