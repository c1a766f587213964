"""Loopback servers that misbehave on purpose, and a fake clock, for the fetch fault matrix."""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[socket.socket, str], None]  # (connection, request path) → writes a raw response


class FakeClock:
    """Time that moves only when asked: `sleep` records and advances, `now` may tick by `step`."""

    def __init__(self, step: float = 0.0) -> None:
        self.t = 1000.0
        self.step = step
        self.sleeps: list[float] = []

    def now(self) -> float:
        self.t += self.step
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds


@contextmanager
def raw_server(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> Iterator[tuple[str, list[str]]]:
    """A TCP server on loopback answering each request with `handler`; yields (base URL, paths seen)."""
    listener = socket.socket()
    listener.bind((host, port))
    listener.listen(16)
    seen: list[str] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            threading.Thread(target=_one, args=(conn,), daemon=True).start()

    def _one(conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            path = data.split(b" ", 2)[1].decode()
            seen.append(path)
            try:
                handler(conn, path)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()


def respond(conn: socket.socket, status: str, headers: dict[str, str], body: bytes = b"") -> None:
    """Write one plain HTTP/1.1 response and keep nothing open."""
    head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    conn.sendall(head.encode("latin-1") + body)


def routes(table: dict[str, tuple[str, dict[str, str], bytes]]) -> Handler:
    """A handler from a path → (status, headers, body) table; unknown paths get 404."""
    def handle(conn: socket.socket, path: str) -> None:
        status, headers, body = table.get(path, ("404 Not Found", {}, b""))
        respond(conn, status, {"Content-Length": str(len(body)), "Connection": "close", **headers}, body)
    return handle


@contextmanager
def https_server(cert_chain_pem: bytes, key_pem: bytes, tmp: str) -> Iterator[str]:
    """An HTTPS server on 127.0.0.1 presenting exactly the given chain; yields its base URL."""
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = b"<rss version='2.0'><channel><item><title>x</title><link>http://x.vn/a</link></item></channel></rss>"
            self.send_response(404 if self.path == "/robots.txt" else 200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    chain, key = f"{tmp}/chain.pem", f"{tmp}/key.pem"
    open(chain, "wb").write(cert_chain_pem)
    open(key, "wb").write(key_pem)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
