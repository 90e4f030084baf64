"""``rtrisk serve`` (also ``python -m rtrisk.service``): the live risk service on FastAPI and uvicorn.

It serves what rtrisk_live serves, from the same C++ engine, through the bindings (rtrisk._live):
the dashboard, the ``/ws/risk`` stream (docs/protocol.md), ``/api/risk``, ``/api/history``,
``/healthz`` and ``/metrics``, with rtrisk_live's options (``rtrisk serve --help``), parsed by the
same parser. The engine thread, the tick sources, Kafka and the history store run in C++; each
publication is serialised once there, and what one client is sent (deltas, latest-wins
conflation, catch-up deltas, snapshots on resync) is decided by the C++ ``client_stream``. The
event loop waits for publications with the GIL released and moves bytes. The same Host, Origin
and token policy (docs/security.md) is the C++ ``access_policy``.

Slow clients are found as in the C++ server: a write blocked, or a ping carrying a nonce unanswered,
for ``--slow-timeout-ms``, or more than ``--max-queued-bytes`` not proven read by a pong, and are
closed with 4408. The websockets protocol of uvicorn is subclassed to refuse upgrades with the
right status before the handshake (421, 403, 401, 404) and to reach the connection for pings and
frames written from bytes.
"""

import asyncio
import http
import os
import random
import resource
import signal
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from . import _live

SUPERVISION_PERIOD = 0.25  # seconds, as the C++ server's timer
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}  # RFC 9110 and 5789


def _header(headers, name: bytes):
    """(value, count) of a header in an ASGI header list."""
    values = [v for k, v in headers if k.lower() == name]
    return (values[0].decode("latin-1") if values else ""), len(values)


class Client:
    """One /ws/risk connection: the C++ stream decides what to send, this moves it."""

    def __init__(self, hub: "Hub", ws):
        self.hub = hub
        self.ws = ws  # the websockets protocol object of the connection
        self.stream = _live.ClientStream(hub.svc)
        self.writing_since = 0.0
        self.last_sent = time.monotonic()
        self.bytes_written = 0
        self.bytes_read_by_client = 0
        self.ping_sent = time.monotonic()
        self.ping_bytes = 0
        self.ping_outstanding = False
        self.closing = False
        self.done = asyncio.Event()

    # -- sending ------------------------------------------------------------------------------
    def write(self, msg):
        if msg is None or self.closing:
            return
        self.writing_since = time.monotonic()
        asyncio.get_running_loop().create_task(self._write(msg))

    async def _write(self, msg):
        from websockets.frames import OP_TEXT
        while msg is not None:
            try:
                await self.ws.write_frame(True, OP_TEXT, msg)  # the text frame from the UTF-8 bytes, no decode
            except Exception:  # closed, reset, or closing
                self.end()
                return
            self.bytes_written += len(msg)
            self.last_sent = time.monotonic()
            msg = self.stream.written()
            if self.closing:
                return
            if msg is None:
                if self.stream.ready:
                    self.hub.svc.client_ready()
            else:
                self.writing_since = time.monotonic()

    def offer(self, publication):
        if not self.closing:
            self.write(self.stream.offer(publication))

    # -- supervision (every SUPERVISION_PERIOD s) -----------------------------------------------
    def supervise(self, now: float):
        if self.closing:
            return
        opts = self.hub.opts
        slow = opts.slow_timeout_ms / 1000
        if self.stream.writing and now - self.writing_since > slow:
            return self.drop_slow("write blocked")
        if self.ping_outstanding and now - self.ping_sent > slow:
            return self.drop_slow("no pong")
        unread = self.bytes_written - min(self.bytes_written, self.bytes_read_by_client)
        if unread > opts.max_queued_bytes:
            return self.drop_slow("too many bytes unread")
        if not self.ping_outstanding and now - self.ping_sent >= _live.PING_INTERVAL_S:
            self.ping_outstanding = True
            self.ping_sent = now
            self.ping_bytes = self.bytes_written
            asyncio.get_running_loop().create_task(self._ping(f"{random.getrandbits(64)}:{self.ping_bytes}"))
        if not self.stream.writing and now - self.last_sent > opts.heartbeat_ms / 1000:
            self.write(self.stream.heartbeat())

    async def _ping(self, payload: str):
        # Only the exact echo of this nonce resolves the waiter, and it can come back only after
        # the client has read every byte written before the ping (docs/protocol.md, slow clients).
        try:
            waiter = await self.ws.ping(payload)
            await waiter
        except Exception:
            return
        self.bytes_read_by_client = max(self.bytes_read_by_client, int(payload.split(":")[1]))
        self.ping_outstanding = False

    def drop_slow(self, why: str):
        self.hub.svc.count("slow_disconnects")
        self.hub.svc.log(f"closing a slow client (4408): {why}")
        self.close_with(_live.CLOSE_SLOW_CONSUMER, "slow consumer")

    def close_with(self, code: int, reason: str):
        """Starts the closing handshake once; the connection is cut 2 s later whatever the client does."""
        if self.closing:
            return
        self.closing = True
        self.stream.close()

        async def close():
            try:
                await asyncio.wait_for(self.ws.close(code, reason), 2)
            except Exception:
                pass
            self.end()
        asyncio.get_running_loop().create_task(close())

    def end(self):
        if self.ws.transport is not None and not self.ws.closed:
            self.ws.transport.abort()
        self.stream.close()
        self.done.set()

    # -- reading ------------------------------------------------------------------------------
    async def read(self):
        from websockets.exceptions import ConnectionClosed
        while True:
            try:
                data = await self.ws.recv()
            except ConnectionClosed:  # bad frames are counted by the protocol (fail_connection)
                break
            if self.closing:
                continue  # a close is under way: read until the client's close frame
            if isinstance(data, bytes):
                self.hub.svc.count("bad_messages")
                self.close_with(_live.CLOSE_UNSUPPORTED_DATA, "binary messages are not accepted")
                continue
            kind, code, reason = _live.parse_client_message(data)
            if kind is None:
                self.hub.svc.count("bad_messages")
                self.close_with(code, reason)
            elif kind == "resync":
                self.write(self.stream.resync())
        self.end()


class Hub:
    """The fan-out: the publication pump and the clients (event loop thread only)."""

    def __init__(self, svc, opts, port: int):
        self.svc = svc
        self.opts = opts
        self.port = port
        self.policy = _live.AccessPolicy(opts, port)
        self.files = _live.StaticRoot(opts.static_dir)
        self.clients: set[Client] = set()
        self.connections = lambda: len(self.clients)
        # The pump waits for publications on a thread of its own; /api/history queries (up to 10 s
        # each on a slow database) and file reads share a small pool and never delay it.
        self.pump_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rtrisk-pump")
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rtrisk")
        self.limit = 0  # connections at most (HTTP and WebSocket), set by main()
        self.stop_server = lambda: None

    def gauges(self):
        self.svc.set_gauges(len(self.clients), self.connections())

    async def pump(self):
        loop = asyncio.get_running_loop()
        while True:
            p = await loop.run_in_executor(self.pump_thread, self.svc.next_publication, 0.25)
            if p is None:
                if self.svc.fatal:
                    print(f"rtrisk live: engine stopped: {self.svc.fatal}", file=sys.stderr, flush=True)
                    self.stop_server()
                    return
                continue
            for c in list(self.clients):
                try:
                    c.offer(p)
                except Exception as e:  # one client's failure stops neither the others nor the pump
                    self.svc.count("internal_errors")
                    self.svc.log(f"sending to a client failed: {e}")
                    c.end()

    async def supervise(self):
        while True:
            await asyncio.sleep(SUPERVISION_PERIOD)
            now = time.monotonic()
            for c in list(self.clients):
                try:
                    c.supervise(now)
                except Exception as e:  # supervision must go on
                    self.svc.count("internal_errors")
                    self.svc.log(f"client supervision failed: {e}")
            self.gauges()

    async def serve_client(self, ws):
        if self.opts.sndbuf > 0:
            sock = ws.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, self.opts.sndbuf)
        c = Client(self, ws)
        self.clients.add(c)
        self.gauges()
        try:
            latest = self.svc.latest
            if latest is not None:
                c.offer(latest)
            else:
                self.svc.client_ready()
            reader = asyncio.get_running_loop().create_task(c.read())
            try:
                await c.done.wait()
            finally:
                reader.cancel()
        finally:
            c.end()
            self.clients.discard(c)
            self.gauges()

    def refuse_upgrade(self, path: str, headers, connections: int) -> tuple | None:
        """The HTTP answer refusing a WebSocket upgrade, or None to accept it (docs/security.md)."""
        try:
            return self._refuse_upgrade(path, headers, connections)
        except (TypeError, ValueError, UnicodeError):  # bytes that are not text (websockets keeps them as surrogates)
            self.svc.count("bad_requests")
            return 400, "malformed request\n"

    def _refuse_upgrade(self, path: str, headers, connections: int) -> tuple | None:
        if connections > self.limit:
            return 503, "too many connections\n"
        target = _live.parse_request_target(path)
        if isinstance(target, tuple):
            self.svc.count("bad_requests")
            return target[0], target[1] + "\n"
        hosts = headers.get_all("Host")
        host = target.authority or (hosts[0] if hosts else "")
        if len(hosts) != 1 or not self.policy.host_allowed(host, True):
            self.svc.count("rejected_hosts")
            return 421, "unknown Host: this server answers to its loopback names only (see --allow-host)\n"
        if target.path != "/ws/risk":
            self.svc.count("rejected_upgrades")
            return 404, f"no WebSocket at {target.path}\n"
        origins = headers.get_all("Origin")
        if len(origins) > 1 or not self.policy.origin_allowed(origins[0] if origins else "", host):
            self.svc.count("rejected_upgrades")
            return 403, "origin not allowed\n"
        if not self.policy.token_ok(headers.get("Authorization", ""), target.param("token")):
            self.svc.count("rejected_upgrades")
            return 401, "bearer token required\n"
        return None


def _protocol_class(hub: Hub):
    """uvicorn's websockets protocol, refusing upgrades before the handshake and handing the
    connection to the app (scope extension "rtrisk.websocket")."""
    from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol

    class RiskWebSocketProtocol(WebSocketProtocol):
        async def process_request(self, path, headers):
            refused = hub.refuse_upgrade(path, headers, len(self.connections))
            if refused is not None:
                status, body = refused
                extra = [("Content-Type", "text/plain; charset=utf-8"), ("Server", "rtrisk"), *_live.SECURITY_HEADERS]
                if status == 401:
                    extra.append(("WWW-Authenticate", "Bearer"))
                if status == 503:
                    extra.append(("Retry-After", "1"))
                return http.HTTPStatus(status), extra, body.encode()
            return await super().process_request(path, headers)

        async def run_asgi(self):
            self.scope.setdefault("extensions", {})["rtrisk.websocket"] = self
            await super().run_asgi()

        def fail_connection(self, code=1006, reason=""):
            # websockets closes a bad frame itself: 1009 too big, 1002 protocol error, 1007 bad
            # UTF-8; counted here, before the close frame goes out, as Beast's are.
            if code in (1002, 1007, 1009) and self.close_sent is None:
                hub.svc.count("bad_messages")
                hub.svc.log(f"client sent a bad WebSocket frame: {code} {reason}")
            return super().fail_connection(code, reason)

    return RiskWebSocketProtocol


def _http_protocol_class():
    """uvicorn's h11 protocol with the C++ server's request-header timeout: a connection must
    complete each request's header within it (uvicorn closes idle keep-alive connections itself,
    but not one that stops half-way through a header)."""
    from uvicorn.protocols.http.h11_impl import H11Protocol

    class RiskHttpProtocol(H11Protocol):
        header_timer = None

        def connection_made(self, transport):
            super().connection_made(transport)
            self.arm_header_timer()

        def arm_header_timer(self):
            if self.header_timer is not None:
                self.header_timer.cancel()
            self.header_timer = self.loop.call_later(_live.HEADER_TIMEOUT_S, self.header_timeout)

        def data_received(self, data):
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete and self.header_timer is not None:
                self.header_timer.cancel()  # a request is being answered
                self.header_timer = None

        def on_response_complete(self):
            super().on_response_complete()
            if not self.transport.is_closing():
                self.arm_header_timer()  # the next request's header

        def header_timeout(self):
            self.header_timer = None
            if self.transport.get_protocol() is not self or self.transport.is_closing():
                return  # upgraded to a WebSocket, or closed
            if self.cycle is None or self.cycle.response_complete:
                self.transport.close()

        def connection_lost(self, exc):
            if self.header_timer is not None:
                self.header_timer.cancel()
            super().connection_lost(exc)

    return RiskHttpProtocol


class Guard:
    """ASGI middleware for HTTP requests: methods (GET and HEAD), the request target (the C++
    parser: 400, 414), the Host check (421) and the security headers on every answer."""

    def __init__(self, app, hub: Hub):
        self.app = app
        self.hub = hub

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_headers(message):
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k.lower().encode(), v.encode()) for k, v in _live.SECURITY_HEADERS if k.lower().encode() not in names]
                message = {**message, "headers": [*message.get("headers", []), *extra, (b"server", b"rtrisk")]}
            await send(message)

        async def answer(status, body, headers=(), bad=True):
            if bad:
                svc.count("bad_requests")
            await send_headers({"type": "http.response.start", "status": status,
                                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-cache"), *headers]})
            await send_headers({"type": "http.response.body", "body": body.encode() if scope["method"] != "HEAD" else b""})

        svc = self.hub.svc
        # The C++ server's checks, in its order (http/http_session.hpp): sizes (414, 431, 413), Host
        # count (400), method (501), target (400, 414), method for the path (405), Host name (421).
        raw_target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            raw_target += b"?" + scope["query_string"]
        if len(raw_target) > _live.MAX_TARGET_BYTES:
            return await answer(414, "request target too long\n")
        if sum(len(k) + len(v) + 4 for k, v in scope["headers"]) + len(raw_target) > _live.MAX_HEADER_BYTES:
            return await answer(431, "request header fields too large\n")
        length, _ = _header(scope["headers"], b"content-length")
        if length.strip().isdigit() and int(length) > _live.MAX_BODY_BYTES:
            return await answer(413, "request body too large\n")
        hosts = [v for k, v in scope["headers"] if k == b"host"]
        if len(hosts) > 1:
            return await answer(400, "more than one Host header\n")
        if not (hosts and hosts[0]) and scope.get("http_version") != "1.0":
            return await answer(400, "Host header required\n")
        if scope["method"] not in KNOWN_METHODS:
            return await answer(501, "method not implemented\n")
        if scope["method"] == "CONNECT" or raw_target == b"*":  # authority and asterisk forms: no resource here
            return await answer(405, "GET, HEAD only\n", [(b"allow", b"GET, HEAD")], bad=False)
        target = _live.parse_request_target(raw_target.decode("latin-1"))
        if isinstance(target, tuple):
            return await answer(target[0], target[1] + "\n")
        allow = _live.allowed_methods(target.path)
        if scope["method"] not in allow.split(", "):
            return await answer(405, allow + " only\n", [(b"allow", allow.encode())], bad=False)
        host = target.authority or (hosts[0].decode("latin-1") if hosts else "")
        if not self.hub.policy.host_allowed(host, scope.get("http_version") != "1.0"):
            svc.count("rejected_hosts")
            return await answer(421, "unknown Host: this server answers to its loopback names only (see --allow-host)\n")
        # HEAD is answered as GET; uvicorn sends the header fields (Content-Length too) without the body
        scope = {**scope, "method": "GET" if scope["method"] == "HEAD" else scope["method"], "rtrisk.target": target}
        await self.app(scope, receive, send_headers)


def create_app(hub: Hub):
    """The FastAPI application of a hub."""
    from fastapi import FastAPI, Request, WebSocket
    from fastapi.responses import Response

    svc, opts = hub.svc, hub.opts
    app = FastAPI(title="rtrisk", openapi_url=None, docs_url=None, redoc_url=None)
    tasks = []

    @app.on_event("startup")
    async def start():
        loop = asyncio.get_running_loop()
        tasks.extend([loop.create_task(hub.pump()), loop.create_task(hub.supervise())])

    @app.on_event("shutdown")
    async def stop():
        for t in tasks:
            t.cancel()

    def text(status, body, **headers):
        return Response(body, status_code=status, media_type="text/plain", headers={"Cache-Control": "no-cache", **headers})

    def authorised(request: Request) -> bool:
        return hub.policy.token_ok(request.headers.get("authorization", ""), request.scope["rtrisk.target"].param("token"))

    def unauthorised():
        return text(401, "bearer token required\n", **{"WWW-Authenticate": "Bearer"})

    @app.get("/healthz")
    async def healthz():
        return text(200, "ok\n")

    @app.get("/metrics")
    async def metrics():
        return Response(svc.metrics_text(), media_type="text/plain; version=0.0.4", headers={"Cache-Control": "no-cache"})

    @app.get("/api/risk")
    async def api_risk(request: Request):
        if not authorised(request):
            return unauthorised()
        latest = svc.latest
        if latest is None:
            return text(503, "no risk computed yet\n")
        return Response(latest.risk_body, media_type="application/json", headers={"Cache-Control": "no-cache"})

    async def service_answer(call, arg):
        """A service call that may wait (for the database or the engine thread), run off the loop:
        its (status, body, is JSON, retry after 1 s) as a response."""
        status, body, is_json, retry = await asyncio.get_running_loop().run_in_executor(hub.executor, call, arg)
        headers = {"Cache-Control": "no-cache", **({"Retry-After": "1"} if retry else {})}
        return Response(body, status_code=status, media_type="application/json" if is_json else "text/plain", headers=headers)

    async def body_of(request: Request):
        """The request body, at most MAX_BODY_BYTES (a chunked body too), else None."""
        out = bytearray()
        async for chunk in request.stream():
            out += chunk
            if len(out) > _live.MAX_BODY_BYTES:
                return None
        return bytes(out)

    async def node_view(request: Request, call):
        """GET /api/history, /api/node and /api/backtest: the token, then the service's answer."""
        if not authorised(request):
            return unauthorised()
        return await service_answer(call, request.scope["rtrisk.target"])

    async def engine_request(request: Request, call):
        """POST /api/whatif and /api/limits: the token, a browser's Origin (docs/security.md), the
        body's size, then the service's answer (it waits for the engine thread off the loop)."""
        if not authorised(request):
            return unauthorised()
        origins = request.headers.getlist("origin")
        host = request.scope["rtrisk.target"].authority or request.headers.get("host", "")
        if len(origins) > 1 or (origins and not hub.policy.origin_allowed(origins[0], host)):
            svc.count("bad_requests")
            return text(403, "origin not allowed\n")
        body = await body_of(request)
        if body is None:
            svc.count("bad_requests")
            return text(413, "request body too large\n")
        return await service_answer(call, body.decode("utf-8", "replace"))

    @app.get("/api/history")
    async def api_history(request: Request):
        return await node_view(request, svc.history)

    @app.post("/api/whatif")
    async def api_what_if(request: Request):
        return await engine_request(request, svc.what_if)

    @app.post("/api/limits")
    async def api_set_limits(request: Request):
        return await engine_request(request, svc.set_limits)

    @app.get("/api/node")
    async def api_node(request: Request):
        return await node_view(request, svc.node)

    @app.get("/api/backtest")
    async def api_backtest(request: Request):
        return await node_view(request, svc.backtest)

    @app.get("/api/limits")
    async def api_limits(request: Request):
        if not authorised(request):
            return unauthorised()
        status, body, _, _ = svc.limits()
        return Response(body, status_code=status, media_type="application/json", headers={"Cache-Control": "no-cache"})

    @app.get("/ws/risk")
    async def ws_only():
        return text(426, "WebSocket only\n", Upgrade="websocket", Connection="Upgrade")

    @app.websocket("/ws/risk")
    async def ws_risk(websocket: WebSocket):
        await websocket.accept()
        await hub.serve_client(websocket.scope["extensions"]["rtrisk.websocket"])

    @app.get("/{rest:path}")
    async def files(request: Request):
        target = request.scope["rtrisk.target"]
        found = hub.files.resolve_encoded(target, request.headers.get("accept-encoding", ""))
        if found is None:
            return text(404, "dashboard not built: run scripts/run\n" if hub.files.empty else "not found\n")
        path, media_type, encoding, has_variants = found
        def read():
            if os.path.getsize(path) > _live.MAX_STATIC_FILE_BYTES:
                return None
            with open(path, "rb") as f:
                return f.read()
        try:
            body = await asyncio.get_running_loop().run_in_executor(hub.executor, read)
        except OSError:
            body = None
        if body is None:
            return text(404, "not found\n")
        immutable = bool(target.segments) and target.segments[0] == "assets"  # Vite's hashed file names
        headers = {"Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache"}
        if encoding:
            headers["Content-Encoding"] = encoding
        if has_variants:
            headers["Vary"] = "Accept-Encoding"
        return Response(body, media_type=media_type, headers=headers)

    return Guard(app, hub)


def _open_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return soft


def main(argv=None) -> int:
    """Runs the service until SIGINT or SIGTERM; exit status 2 for a bad command line or file."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        opts = _live.parse_options(args)
    except _live.UsageError as e:
        print(f"rtrisk serve: {e}\nrtrisk serve: run with --help for the options", file=sys.stderr)
        return 2
    if opts is None:
        return 0
    if opts.once:
        try:
            print(_live.once_report(opts))
        except (ValueError, RuntimeError) as e:
            print(f"rtrisk serve: {e}", file=sys.stderr)
            return 2
        return 0
    try:
        import uvicorn
    except ImportError:
        print("rtrisk serve: needs FastAPI and uvicorn (Debian: apt-get install python3-fastapi python3-uvicorn)", file=sys.stderr)
        return 2
    try:
        svc = _live.Service(opts)
    except (ValueError, RuntimeError) as e:
        print(f"rtrisk serve: {e}", file=sys.stderr)
        return 2
    family = socket.AF_INET6 if ":" in opts.bind else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((opts.bind, opts.port))
    except OSError as e:
        print(f"rtrisk serve: cannot listen on {opts.bind}:{opts.port}: {e.strerror}", file=sys.stderr)
        return 2
    sock.listen(1024)
    port = sock.getsockname()[1]
    hub = Hub(svc, opts, port)
    limit = opts.max_connections if opts.max_connections > 0 else max(16, _open_file_limit() - _live.CONNECTION_RESERVE)
    hub.limit = limit
    config = uvicorn.Config(create_app(hub), http=_http_protocol_class(), ws=_protocol_class(hub), ws_max_size=opts.max_message, ws_ping_interval=None,
                            ws_ping_timeout=None, ws_per_message_deflate=opts.deflate, log_level="warning", access_log=False,
                            limit_concurrency=limit, server_header=False, date_header=False, lifespan="on",
                            timeout_keep_alive=10)
    server = uvicorn.Server(config)
    hub.connections = lambda: len(server.server_state.connections)

    def stop_server():
        server.should_exit = True
    hub.stop_server = stop_server
    svc.start()
    print(f"rtrisk live: http://{opts.bind}:{port}/  (Python service; WebSocket /ws/risk, /api/risk, /healthz, /metrics; "
          f"{svc.feed}; instance {svc.instance}; up to {limit} connections)", flush=True)
    try:
        asyncio.run(server.serve(sockets=[sock]))
    finally:
        svc.stop()
        hub.pump_thread.shutdown(wait=False, cancel_futures=True)
        hub.executor.shutdown(wait=False, cancel_futures=True)
    return 1 if svc.fatal else 0


if __name__ == "__main__":
    sys.exit(main())
