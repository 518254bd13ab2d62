#!/usr/bin/env python3
"""registry-proxy.py --port P --mode token|faults --upstream URL --creds USER:PASS --log FILE

A small registry front for the tests, in front of a real docker-registry (UPSTREAM):

token   A Bearer-token flow as Docker Hub runs it: /v2/* answers 401 with
        WWW-Authenticate: Bearer realm=http://127.0.0.1:P/token,service=vessel-test,scope=...
        until a token is presented; /token hands tokens (expires_in 300) to callers that
        send the right Basic credentials, or anonymously for repositories under public/
        (mapped to corpus/ upstream).
faults  The first path component picks a failure, the rest is the upstream path:
          /v2/drop/REPO/...       a blob GET without Range sends half the body, then drops the connection
          /v2/ratelimit/REPO/...  every other GET of a manifest answers 429 with Retry-After: 1
          /v2/corrupt/REPO/...    blob bodies have one byte flipped
          /v2/denied/REPO/...     403 DENIED, as a registry answers a token without access
          /v2/toomany/REPO/...    429 with Retry-After: 3600 (longer than anyone waits)
          /v2/redirect/REPO/...   needs Basic auth; blob GETs redirect (307) to http://localhost:P/store/...,
                                  which refuses requests that carry an Authorization header
          /v2/dropupload/REPO/... pushes: the first two PATCHes of an upload after its first chunk
                                  (a second chunk, and the retry curl makes itself) are cut off
                                  halfway through their bodies, before the registry sees them
          /v2/noartifacts/REPO/.. a registry that takes container images only: a manifest whose config
                                  is not an image config is refused with 400 MANIFEST_INVALID
        Uploads (POST, PATCH, PUT) pass through; Locations the registry answers with keep the prefix.
Every request is logged to FILE as: METHOD PATH STATUS auth|- range|- NOTE (for the tests to count).
"""
import argparse
import base64
import http.client
import http.server
import json
import secrets
import threading
import urllib.parse

args = None
tokens = set()
seen = set()
dropped = {}
lock = threading.Lock()


def log(handler, status, note=""):
    with lock, open(args.log, "a") as f:
        auth = "auth" if handler.headers.get("Authorization") else "-"
        rng = "range" if handler.headers.get("Range") else "-"
        f.write(f"{handler.command} {handler.path} {status} {auth} {rng} {note}\n")


def basic_ok(header):
    if not header or not header.startswith("Basic "):
        return False
    try:
        return base64.b64decode(header[6:]).decode() == args.creds
    except Exception:
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log(self, status)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        self.do_GET()

    def do_PUT(self):
        self.do_GET()

    def do_PATCH(self):
        self.do_GET()

    def do_GET(self):
        if args.mode == "token":
            return self.token_mode()
        return self.fault_mode()

    # -- token mode
    def token_mode(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/token":
            q = urllib.parse.parse_qs(url.query)
            scope = q.get("scope", [""])[0]
            public = scope.startswith("repository:public/")
            if not public and not basic_ok(self.headers.get("Authorization")):
                return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad credentials"}]}')
            t = secrets.token_hex(16)
            with lock:
                tokens.add(t)
            return self.reply(200, json.dumps({"token": t, "expires_in": 300}).encode(),
                              {"Content-Type": "application/json"})
        auth = self.headers.get("Authorization", "")
        if not (auth.startswith("Bearer ") and auth[7:] in tokens):
            parts = url.path.split("/")
            scope = f'repository:{"/".join(parts[2:4])}:pull' if len(parts) > 4 else ""
            challenge = f'Bearer realm="http://127.0.0.1:{args.port}/token",service="vessel-test"'
            if scope:
                challenge += f',scope="{scope}"'
            return self.reply(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"token required"}]}',
                              {"WWW-Authenticate": challenge, "Content-Type": "application/json"})
        self.proxy(self.path.replace("/v2/public/", "/v2/corpus/", 1))

    # -- fault mode
    def fault_mode(self):
        parts = self.path.split("/")
        if parts[1] == "store":  # the redirect target: blob storage on "another host"
            if self.headers.get("Authorization"):
                return self.reply(400, b"Authorization header forwarded to blob storage")
            return self.proxy("/v2/" + "/".join(parts[2:]))
        if self.path in ("/v2/", "/v2"):
            return self.reply(200, b"{}", {"Content-Type": "application/json"})
        if len(parts) < 4 or parts[1] != "v2":
            return self.reply(404)
        fault = parts[2]
        upstream = "/v2/" + "/".join(parts[3:])
        is_blob = "/blobs/" in upstream
        is_manifest = "/manifests/" in upstream
        key = (fault, upstream)
        with lock:
            first = key not in seen
            if first:
                seen.add(key)
            else:
                seen.discard(key)
        if fault == "dropupload" and self.command == "PATCH" and not self.headers.get("Content-Range", "0-").startswith("0-"):
            upload = upstream.split("?")[0]
            with lock:
                drop = dropped.get(upload, 0) < 2
                dropped[upload] = dropped.get(upload, 0) + 1
            if drop:
                self.rfile.read(int(self.headers.get("Content-Length") or 0) // 2)
                log(self, 0, "dropupload")
                self.close_connection = True
                self.connection.shutdown(2)
                return
        if fault == "noartifacts" and self.command == "PUT" and is_manifest:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            config = json.loads(body).get("config", {}).get("mediaType", "")
            if config not in ("application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"):
                return self.reply(400, b'{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":"unknown config media type"}]}',
                                  {"Content-Type": "application/json"})
            self.replay = body
        if fault == "drop" and is_blob and not self.headers.get("Range"):
            return self.proxy(upstream, drop_half=True)
        if fault == "ratelimit" and is_manifest and first:
            return self.reply(429, b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}', {"Retry-After": "1"})
        if fault == "denied":
            return self.reply(403, b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}')
        if fault == "toomany":
            return self.reply(429, b'{"errors":[{"code":"TOOMANYREQUESTS","message":"pull rate limit"}]}', {"Retry-After": "3600"})
        if fault == "corrupt" and is_blob:
            return self.proxy(upstream, corrupt=True)
        if fault == "redirect":
            if not basic_ok(self.headers.get("Authorization")):
                return self.reply(401, b"", {"WWW-Authenticate": 'Basic realm="vessel-test"'})
            if is_blob:
                return self.reply(307, b"", {"Location": f"http://localhost:{args.port}/store/" + upstream[4:]})
        return self.proxy(upstream, fault=fault)

    def proxy(self, path, drop_half=False, corrupt=False, fault=None):
        u = urllib.parse.urlsplit(args.upstream)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() in ("accept", "range", "content-type", "content-range")}
        body = None
        length = int(self.headers.get("Content-Length") or 0)
        if getattr(self, "replay", None) is not None:
            body, self.replay = self.replay, None
            headers["Content-Length"] = str(len(body))
        elif length or self.command in ("POST", "PUT", "PATCH"):
            body = self.rfile.read(length)
            headers["Content-Length"] = str(len(body))
        conn.request(self.command, path, body=body, headers=headers)
        r = conn.getresponse()
        # Follow the registry's own redirects (none for filesystem storage, but be safe).
        self.send_response(r.status)
        length = None
        for k, v in r.getheaders():
            if k.lower() in ("connection", "transfer-encoding", "keep-alive"):
                continue
            if k.lower() == "content-length":
                length = int(v)
            if k.lower() == "location" and fault:
                # The registry names its own address; the client must keep coming through here.
                loc = urllib.parse.urlsplit(v)
                v = f"http://127.0.0.1:{args.port}" + loc.path.replace("/v2/", f"/v2/{fault}/", 1) + (f"?{loc.query}" if loc.query else "")
            self.send_header(k, v)
        if drop_half:
            self.send_header("Connection", "close")
        self.end_headers()
        log(self, r.status, "drop" if drop_half else "corrupt" if corrupt else "")
        if self.command == "HEAD":
            conn.close()
            return
        sent = 0
        flipped = False
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            if drop_half and length and sent + len(chunk) > length // 2:
                self.wfile.write(chunk[: length // 2 - sent])
                self.wfile.flush()
                self.close_connection = True
                conn.close()
                return
            if corrupt and not flipped and len(chunk) > 100:
                chunk = chunk[:100] + bytes([chunk[100] ^ 0xFF]) + chunk[101:]
                flipped = True
            self.wfile.write(chunk)
            sent += len(chunk)
        conn.close()


def main():
    global args
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", choices=["token", "faults"], required=True)
    p.add_argument("--upstream", required=True)
    p.add_argument("--creds", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
