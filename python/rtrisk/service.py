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
right status before the handshake (400, 405, 414, 421, 431, 503, 403, 401, 404) and to reach the
connection for pings and frames written from bytes; its h11 protocol, for the C++ server's
connection handling (header timeout and limits, which answers close the connection, answers to
malformed requests). Every answer carries the security headers; an exception answering a client
is counted, logged in one line through the rate-limited log and answered 500.
"""

import asyncio
import http
import logging
import os
import random
import resource
import signal
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

from . import _live

SUPERVISION_PERIOD = 0.25  # seconds, as the C++ server's timer
LINGER_S = 1.0  # after an answer that ends the connection, as the C++ server's linger
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}  # RFC 9110 and 5789


def _header(headers, name: bytes):
    """(value, count) of a header in an ASGI header list."""
    values = [v for k, v in headers if k.lower() == name]
    return (values[0].decode("latin-1") if values else ""), len(values)


def _first(headers, name: bytes) -> bytes:
    """The first value of a header in an ASGI header list, as the bytes received (b"" if absent)."""
    return next((v for k, v in headers if k.lower() == name), b"")


def _raw(text: str) -> bytes:
    """The bytes websockets read, from its text (non-ASCII bytes are kept as surrogate escapes)."""
    return text.encode("utf-8", "surrogateescape")


def _header_bytes(raw_target: bytes, headers) -> int:
    """The size of a request's header as the limits count it (431 beyond _live.MAX_HEADER_BYTES)."""
    return sum(len(k) + len(v) + 4 for k, v in headers) + len(raw_target)


def _plain_response(status: int, body: bytes, extra=()) -> bytes:
    """A whole text/plain answer that ends the connection, with the server's header fields, for
    answers written below the application (malformed or oversized requests, failed handshakes)."""
    fields = [("Server", "rtrisk"), ("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-cache"),
              *_live.SECURITY_HEADERS, *extra, ("Content-Length", str(len(body))), ("Connection", "close")]
    head = f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields)
    return head.encode("latin-1") + b"\r\n" + body


class Target:
    """A request target the C++ parser accepted (``parsed``, for the C++ calls), with its parts as
    the bytes they decode to. The bindings hand the C++ strings over as str, which fails for a
    percent-encoded byte that is not UTF-8 (``/%ff``, ``?token=%ff``), so the parts are read here,
    split and decoded as request_target.hpp does (the C++ parser has checked the escapes)."""

    def __init__(self, raw: bytes, parsed):
        self.parsed = parsed
        self.authority = b""
        rest = raw
        if rest[:7].lower() == b"http://":  # absolute-form
            rest = rest[7:]
            ends = [i for i in (rest.find(b"/"), rest.find(b"?")) if i >= 0]
            end = min(ends) if ends else len(rest)
            self.authority, rest = rest[:end], (rest[end:] or b"/")
        path, _, query = rest.partition(b"?")
        self.segments = [unquote_to_bytes(s) for s in path.split(b"/") if s]
        self.path = b"/" + b"/".join(self.segments)
        self.query = []
        for pair in query.split(b"&"):
            if pair:
                name, _, value = pair.partition(b"=")
                self.query.append((unquote_to_bytes(name.replace(b"+", b" ")), unquote_to_bytes(value.replace(b"+", b" "))))

    @property
    def path_text(self) -> str:
        """The path as ASGI's scope carries it (routing): UTF-8, other bytes as surrogate escapes."""
        return self.path.decode("utf-8", "surrogateescape")

    def param(self, name: bytes):
        """The value of the first query parameter called `name`, or None."""
        return next((v for k, v in self.query if k == name), None)


def parse_target(raw: bytes):
    """A Target, or (status, message) for a target the server refuses (400, 414)."""
    parsed = _live.parse_request_target(raw)
    return parsed if isinstance(parsed, tuple) else Target(raw, parsed)


class Client:
    """One /ws/risk connection: the C++ stream decides what to send, this moves it."""

    def __init__(self, hub: "Hub", ws):
        self.hub = hub
        self.ws = ws  # the websockets protocol object of the connection
        # rtrisk.deflate-raw: binary frames compressed once for every client (docs/protocol.md)
        self.stream = _live.ClientStream(hub.svc, ws.subprotocol == _live.DEFLATE_RAW_SUBPROTOCOL)
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
        from websockets.frames import OP_BINARY, OP_TEXT
        while msg is not None:
            data, binary = msg
            try:
                await self.ws.write_frame(True, OP_BINARY if binary else OP_TEXT, data)  # the frame from the bytes, no decode
            except Exception:  # closed, reset, or closing
                self.end()
                return
            self.bytes_written += len(data)
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
                    self.log(f"sending to a client failed: {e}")
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
                    self.log(f"client supervision failed: {e}")
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

    def log(self, line: str):
        """A line in the service's rate-limited log; never raises."""
        try:
            self.svc.log(line.encode("utf-8", "backslashreplace"))
        except Exception:
            pass

    def internal_error(self, what: str, e: BaseException):
        """An unexpected exception answering a client: counted (rtrisk_internal_errors_total) and
        logged in one line through the rate-limited log, never as a traceback on stderr."""
        try:
            self.svc.count("internal_errors")
        except Exception:
            pass
        self.log(f"internal error {what}: {type(e).__name__}: {e}")

    def check_upgrade(self, path: str, headers, connections: int):
        """The Target of an acceptable WebSocket upgrade, else the (status, body[, header fields]) refusing it
        (docs/security.md), in the C++ server's order (http/http_session.hpp). `path` and `headers`
        are websockets' text: bytes that are not ASCII are compared as received."""
        hosts = headers.get_all("Host")
        if len(hosts) > 1:
            self.svc.count("bad_requests")
            return 400, "more than one Host header\n"
        if not hosts or not hosts[0]:
            self.svc.count("bad_requests")
            return 400, "Host header required\n"
        target = parse_target(_raw(path))
        if isinstance(target, tuple):
            self.svc.count("bad_requests")
            return target[0], target[1] + "\n"
        allow = _live.allowed_methods(target.path)
        if "GET" not in allow.split(", "):
            return 405, allow + " only\n", [("Allow", allow)]
        host = target.authority or _raw(hosts[0])
        if not self.policy.host_allowed(host, True):
            self.svc.count("rejected_hosts")
            return 421, "unknown Host: this server answers to its loopback names only (see --allow-host)\n"
        if connections > self.limit:
            return 503, "too many connections\n", [("Retry-After", "1")]
        if target.path != b"/ws/risk":
            self.svc.count("rejected_upgrades")
            return 404, f"no WebSocket at {target.path_text}\n"
        origins = headers.get_all("Origin")
        if len(origins) > 1 or not self.policy.origin_allowed(_raw(origins[0]) if origins else b"", host):
            self.svc.count("rejected_upgrades")
            return 403, "origin not allowed\n"
        authorization = headers.get_all("Authorization")
        if not self.policy.token_ok(_raw(authorization[0]) if authorization else b"", target.param(b"token")):
            self.svc.count("rejected_upgrades")
            return 401, "bearer token required\n", [("WWW-Authenticate", "Bearer")]
        return target


def _protocol_class(hub: Hub):
    """uvicorn's websockets protocol, refusing upgrades before the handshake and handing the
    connection to the app (scope extension "rtrisk.websocket")."""
    import websockets.legacy.handshake
    import websockets.legacy.http
    from uvicorn.protocols.websockets.websockets_impl import WebSocketProtocol

    # websockets re-reads the upgrade request uvicorn's h11 protocol parsed (and checked against the
    # limits, RiskHttpProtocol.handle_upgrade): let it read every request within them (its own
    # limits are 4,110 bytes a line and 256 header fields).
    websockets.legacy.http.MAX_LINE = max(websockets.legacy.http.MAX_LINE, _live.MAX_HEADER_BYTES + 64)
    websockets.legacy.http.MAX_HEADERS = max(websockets.legacy.http.MAX_HEADERS, _live.MAX_HEADER_BYTES // 4 + 1)

    class RiskWebSocketProtocol(WebSocketProtocol):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.server_header = "rtrisk"

        async def process_request(self, path, headers):
            try:
                checked = hub.check_upgrade(path, headers, len(self.connections))
            except Exception as e:
                hub.internal_error("answering a WebSocket upgrade", e)
                checked = 500, "internal error\n"
            if isinstance(checked, Target):
                return await self.start_app(checked, path, headers)
            status, body, *extra = checked
            fields = [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-cache"), ("Server", "rtrisk"),
                      *_live.SECURITY_HEADERS, *(extra[0] if extra else [])]
            return http.HTTPStatus(status), fields, _raw(body)

        async def start_app(self, target, path, headers):
            """uvicorn's process_request, with the C++ parser's path (what the C++ server routes
            on) and the bytes received (uvicorn's encodes the text as ASCII, which fails for a
            header field with other bytes, such as a cookie)."""
            websockets.legacy.handshake.check_request(headers)  # a bad handshake is refused 400 before the app starts
            raw_path, _, query = _raw(path).partition(b"?")
            subprotocols = [token.strip() for value in headers.get_all("Sec-WebSocket-Protocol") for token in value.split(",")]
            self.scope = {
                "type": "websocket",
                "asgi": {"version": self.config.asgi_version, "spec_version": "2.3"},
                "http_version": "1.1",
                "scheme": self.scheme,
                "server": self.server,
                "client": self.client,
                "root_path": self.root_path,
                "path": target.path_text,
                "raw_path": raw_path,
                "query_string": query,
                "headers": [(_raw(name).lower(), _raw(value)) for name, value in headers.raw_items()],
                "subprotocols": subprotocols,
                "rtrisk.target": target,
            }
            task = self.loop.create_task(self.run_asgi())
            task.add_done_callback(self.on_task_complete)
            self.tasks.add(task)
            await self.handshake_started_event.wait()
            return self.initial_response

        async def run_asgi(self):
            self.scope.setdefault("extensions", {})["rtrisk.websocket"] = self
            await super().run_asgi()

        def process_extensions(self, headers, available_extensions):
            # rtrisk.deflate-raw frames are compressed already: no permessage-deflate on top.
            if _live.requested_framing_is_deflate_raw(b",".join(_raw(v) for v in headers.get_all("Sec-WebSocket-Protocol"))):
                return None, []
            return super().process_extensions(headers, available_extensions)

        def write_http_response(self, status, headers, body=None):
            # Every answer but 101 refuses the upgrade (ours, or websockets' own for a bad
            # handshake): the security headers too.
            if status != http.HTTPStatus.SWITCHING_PROTOCOLS:
                for name, value in (("Cache-Control", "no-cache"), *_live.SECURITY_HEADERS):
                    if name not in headers:
                        headers[name] = value
            super().write_http_response(status, headers, body)

        def send_500_response(self):
            # the app failed before answering the handshake (uvicorn has logged it: counted, _ServiceLog)
            self.transport.write(_plain_response(500, b"internal error\n"))
            self.handshake_started_event.set()

        def fail_connection(self, code=1006, reason=""):
            # websockets closes a bad frame itself: 1009 too big, 1002 protocol error, 1007 bad
            # UTF-8; counted here, before the close frame goes out, as Beast's are.
            if code in (1002, 1007, 1009) and self.close_sent is None:
                hub.svc.count("bad_messages")
                hub.log(f"client sent a bad WebSocket frame: {code} {reason}")
            return super().fail_connection(code, reason)

    return RiskWebSocketProtocol


class _LingeringTransport:
    """A connection's transport as uvicorn's h11 protocol sees it. close() (after an answer that
    ends the connection, or an idle or slow one) stops sending, then reads and discards what the
    client still sends for up to LINGER_S, so that the kernel does not reset the connection, and
    lose the answer, over unread request bytes (RFC 9112 section 9.6), as the C++ server does."""

    def __init__(self, transport, loop):
        self.raw = transport
        self.loop = loop
        self.lingering = False

    def __getattr__(self, name):
        return getattr(self.raw, name)

    def is_closing(self):
        return self.lingering or self.raw.is_closing()

    def close(self):
        if self.lingering or self.raw.is_closing():
            return
        self.lingering = True
        try:
            self.raw.resume_reading()
            if not self.raw.can_write_eof():
                return self.raw.close()
            self.raw.write_eof()  # after what is buffered; the client's end of file then closes it
        except Exception:
            return self.raw.close()
        self.loop.call_later(LINGER_S, self.raw.close)


def _http_protocol_class(hub: Hub):
    """uvicorn's h11 protocol with the C++ server's connection handling: the request-header
    timeout (a connection must complete each request's header within it; uvicorn closes idle
    keep-alive connections itself, but not one that stops half-way through a header), the header
    limits before h11's (414 and 431, for WebSocket upgrades too), its own answers to malformed
    requests (400 with the security headers, counted, no traceback), a linger after an answer that
    closes, and only real WebSocket upgrades handed to websockets (anything else is a request)."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

    class RiskHttpProtocol(H11Protocol):
        header_timer = None

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            # Room beyond the limits, so that the checks here answer 414 or 431 before h11 answers 400.
            self.conn = h11.Connection(h11.SERVER, max_incomplete_event_size=2 * _live.MAX_HEADER_BYTES)

        def connection_made(self, transport):
            super().connection_made(_LingeringTransport(transport, self.loop))
            self.arm_header_timer()

        def arm_header_timer(self):
            if self.header_timer is not None:
                self.header_timer.cancel()
            self.header_timer = self.loop.call_later(_live.HEADER_TIMEOUT_S, self.header_timeout)

        def data_received(self, data):
            if self.transport.lingering:
                return  # read and discarded
            if self.conn.their_state is h11.IDLE and self.header_too_large(data):
                return
            super().data_received(data)
            if self.cycle is not None and not self.cycle.response_complete and self.header_timer is not None:
                self.header_timer.cancel()  # a request is being answered
                self.header_timer = None

        def header_too_large(self, data) -> bool:
            """A request header still incomplete past the limit: 414 when its request line is
            too long, else 431 (the C++ server's rule, http/http_session.hpp)."""
            pending, _ = self.conn.trailing_data
            if len(pending) + len(data) <= _live.MAX_HEADER_BYTES:
                return False
            seen = pending + data
            if b"\r\n\r\n" in seen[:_live.MAX_HEADER_BYTES + 4]:
                return False  # complete: checked as a whole (Guard, handle_upgrade)
            eol = seen.find(b"\r\n")
            if eol < 0 or eol > _live.MAX_TARGET_BYTES + 64:
                self.refuse(414, "request target too long\n")
            else:
                self.refuse(431, "request header fields too large\n")
            return True

        def refuse(self, status: int, body: str, extra=()):
            """An answer written below the application, for a request it never sees: counted,
            with the security headers, and the connection closed."""
            hub.svc.count("bad_requests")
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True  # the request being read is abandoned: no answer of its own
                self.cycle.message_event.set()
            if not self.transport.is_closing():
                self.transport.write(_plain_response(status, body.encode(), extra))
            self.transport.close()

        def send_400_response(self, msg):
            # h11 refused the request (malformed framing, a bad header line, no Host...): uvicorn
            # logged it (dropped by _ServiceLog), this answers it.
            self.refuse(400, "malformed request\n")

        def handle_upgrade(self, event):
            """uvicorn's, for an upgrade as Beast's websocket::is_upgrade defines it (GET,
            HTTP/1.1, Upgrade: websocket) within the header limits; any other request asking for an
            upgrade (h2c, a POST, HTTP/1.0) is answered as a request, as the C++ server does."""
            upgrade = b",".join(v for k, v in self.headers if k == b"upgrade")
            if not (event.method == b"GET" and event.http_version == b"1.1" and
                    b"websocket" in [t.strip().lower() for t in upgrade.split(b",")]):
                return self.handle_request()
            if len(event.target) > _live.MAX_TARGET_BYTES:
                return self.refuse(414, "request target too long\n")
            if _header_bytes(event.target, self.headers) > _live.MAX_HEADER_BYTES:
                return self.refuse(431, "request header fields too large\n")
            if self.header_timer is not None:
                self.header_timer.cancel()
                self.header_timer = None
            self.connections.discard(self)
            output = [event.method, b" ", event.target, b" HTTP/1.1\r\n"]
            for name, value in self.headers:
                output += [name, b": ", value, b"\r\n"]
            output.append(b"\r\n")
            protocol = self.ws_protocol_class(config=self.config, server_state=self.server_state)
            transport = self.transport.raw  # the WebSocket's own: no linger
            protocol.connection_made(transport)
            protocol.data_received(b"".join(output))
            transport.set_protocol(protocol)

        def handle_request(self):
            """What uvicorn's handle_events does with a request that is not an upgrade (it returns
            after an upgrade: the events after this one are handled here)."""
            self.cycle = RequestResponseCycle(
                scope=self.scope, conn=self.conn, transport=self.transport, flow=self.flow, logger=self.logger,
                access_logger=self.access_logger, access_log=self.access_log, default_headers=self.default_headers,
                message_event=asyncio.Event(), on_response=self.on_response_complete)
            task = self.loop.create_task(self.cycle.run_asgi(self.app))
            task.add_done_callback(self.tasks.discard)
            self.tasks.add(task)
            self.handle_events()

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
    """ASGI middleware for HTTP requests: the limits (414, 431, 413), the framing, methods (405,
    501), the request target (the C++ parser: 400, 414), the Host check (421), the connection limit
    (503), the security headers on every answer, and the connection closed after the answers the C++
    server closes it after. An exception answering is an internal error: counted, logged in one
    line (rate-limited), answered 500."""

    def __init__(self, app, hub: Hub):
        self.app = app
        self.hub = hub

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        from starlette.requests import ClientDisconnect
        started = False

        async def send_headers(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k.lower().encode(), v.encode()) for k, v in _live.SECURITY_HEADERS if k.lower().encode() not in names]
                headers.append((b"server", b"rtrisk"))
                if message["status"] >= 500 and message["status"] != 503 and b"connection" not in names:
                    headers.append((b"connection", b"close"))  # an internal error (Starlette's answer to one, too)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.guard(scope, receive, send_headers)
        except ClientDisconnect:
            pass  # gone while its body was read: nothing to answer
        except Exception as e:
            self.hub.internal_error(f"answering {scope.get('method')} {scope.get('path', '')!r}", e)
            if not started:
                try:
                    await send_headers({"type": "http.response.start", "status": 500,
                                        "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-cache"),
                                                    (b"content-length", b"15")]})
                    await send_headers({"type": "http.response.body", "body": b"internal error\n"})
                except Exception:
                    pass

    async def guard(self, scope, receive, send):
        async def answer(status, body, headers=(), bad=True, close=True):
            """The C++ server's refusals: counted (bad), and the connection closed (close)."""
            if bad:
                svc.count("bad_requests")
            content = body.encode()
            headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-cache"),
                       (b"content-length", str(len(content)).encode()), *headers]
            if close:
                headers.append((b"connection", b"close"))
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": content if scope["method"] != "HEAD" else b""})

        svc = self.hub.svc
        # The C++ server's checks, in its order (http/http_session.hpp): sizes (414, 431, 413) and
        # framing (400), Host count (400), method (501), target (400, 414), method for the path
        # (405), Host name (421), connections (503).
        raw_target = scope.get("raw_path") or scope["path"].encode()
        if scope.get("query_string"):
            raw_target += b"?" + scope["query_string"]
        if len(raw_target) > _live.MAX_TARGET_BYTES:
            return await answer(414, "request target too long\n")
        if _header_bytes(raw_target, scope["headers"]) > _live.MAX_HEADER_BYTES:
            return await answer(431, "request header fields too large\n")
        length, lengths = _header(scope["headers"], b"content-length")
        if lengths and _header(scope["headers"], b"transfer-encoding")[1]:
            # RFC 9112 section 6.3: a request smuggling attempt, or a broken intermediary
            return await answer(400, "malformed request: both Content-Length and Transfer-Encoding\n")
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
        target = parse_target(raw_target)
        if isinstance(target, tuple):
            return await answer(target[0], target[1] + "\n")
        allow = _live.allowed_methods(target.path)
        if scope["method"] not in allow.split(", "):
            return await answer(405, allow + " only\n", [(b"allow", allow.encode())], bad=False)
        host = target.authority or (hosts[0] if hosts else b"")
        if not self.hub.policy.host_allowed(host, scope.get("http_version") != "1.0"):
            svc.count("rejected_hosts")
            return await answer(421, "unknown Host: this server answers to its loopback names only (see --allow-host)\n")
        if self.hub.connections() > self.hub.limit:
            return await answer(503, "too many connections\n", [(b"retry-after", b"1")], bad=False)
        # Routed on the C++ parser's path (absolute-form, "//", escapes), as the C++ server routes.
        # HEAD is answered as GET; uvicorn sends the header fields (Content-Length too) without the body.
        scope = {**scope, "method": "GET" if scope["method"] == "HEAD" else scope["method"], "path": target.path_text,
                 "rtrisk.target": target}
        await self.app(scope, receive, send)


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
        # the bytes received: the C++ server compares those (a token need not be ASCII)
        return hub.policy.token_ok(_first(request.scope["headers"], b"authorization"), request.scope["rtrisk.target"].param(b"token"))

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
        return await service_answer(call, request.scope["rtrisk.target"].parsed)

    async def engine_request(request: Request, call):
        """POST /api/whatif and /api/limits: the token, a browser's Origin (docs/security.md), the
        body's size, then the service's answer (it waits for the engine thread off the loop)."""
        if not authorised(request):
            return unauthorised()
        origins = [v for k, v in request.scope["headers"] if k == b"origin"]
        host = request.scope["rtrisk.target"].authority or _first(request.scope["headers"], b"host")
        if len(origins) > 1 or (origins and not hub.policy.origin_allowed(origins[0], host)):
            svc.count("bad_requests")
            return text(403, "origin not allowed\n")
        body = await body_of(request)
        if body is None:
            svc.count("bad_requests")
            return text(413, "request body too large\n", Connection="close")  # the rest of it is not read
        return await service_answer(call, body)  # the bytes, as the C++ server passes them

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
        offered = b",".join(v for k, v in websocket.scope["headers"] if k == b"sec-websocket-protocol")
        await websocket.accept(subprotocol=_live.DEFLATE_RAW_SUBPROTOCOL if _live.requested_framing_is_deflate_raw(offered) else None)
        await hub.serve_client(websocket.scope["extensions"]["rtrisk.websocket"])

    @app.get("/{rest:path}")
    async def files(request: Request):
        target = request.scope["rtrisk.target"]
        found = hub.files.resolve_encoded(target.parsed, _first(request.scope["headers"], b"accept-encoding"))
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
        immutable = bool(target.segments) and target.segments[0] == b"assets"  # Vite's hashed file names
        # The media type as the C++ server sends it (its table, through the bindings): given as a
        # header, since Starlette appends "; charset=utf-8" to a text/ media_type even when it has one.
        headers = {"Content-Type": media_type, "Cache-Control": "public, max-age=31536000, immutable" if immutable else "no-cache"}
        if encoding:
            headers["Content-Encoding"] = encoding
        if has_variants:
            headers["Vary"] = "Accept-Encoding"
        return Response(body, headers=headers)

    return Guard(app, hub)


class _ServiceLog(logging.Handler):
    """The log of uvicorn, websockets (through uvicorn's logger) and asyncio, through the service's
    rate-limited log: one line a record, never a traceback on stderr. A record at ERROR with an
    exception is one that escaped to them (from an ASGI application, a handshake, a task): counted
    in rtrisk_internal_errors_total. h11's RemoteProtocolError, a malformed request, is not logged:
    it is answered 400 and counted (RiskHttpProtocol.send_400_response)."""

    def __init__(self, hub: Hub):
        super().__init__(logging.WARNING)
        self.hub = hub

    def emit(self, record):
        try:
            exc = record.exc_info[1] if record.exc_info else None
            if exc is not None and type(exc).__name__ == "RemoteProtocolError":
                return
            lines = record.getMessage().strip().splitlines()
            line = lines[0] if lines else record.name
            if exc is not None and record.levelno >= logging.ERROR:
                self.hub.internal_error(f"({line})", exc)
            else:
                self.hub.log(line + (f": {type(exc).__name__}: {exc}" if exc is not None else ""))
        except Exception:
            pass


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
    if opts.io_threads > 1:
        print(f"rtrisk serve: --io-threads: '{opts.io_threads}': the Python service runs one event loop; only 1 (or 0) is accepted", file=sys.stderr)
        return 2
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
    # The connection limit is the Guard's (503 with the security headers) and check_upgrade's, not
    # uvicorn's; uvicorn's log goes through the service's (_ServiceLog).
    config = uvicorn.Config(create_app(hub), http=_http_protocol_class(hub), ws=_protocol_class(hub), ws_max_size=opts.max_message, ws_ping_interval=None,
                            ws_ping_timeout=None, ws_per_message_deflate=opts.deflate, log_level="warning", log_config=None, access_log=False,
                            limit_concurrency=None, server_header=False, date_header=False, lifespan="on",
                            timeout_keep_alive=10)
    for name in ("uvicorn", "websockets", "asyncio"):
        logger = logging.getLogger(name)
        logger.handlers = [_ServiceLog(hub)]
        logger.propagate = False
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
