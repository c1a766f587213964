"""A small demo portal on 127.0.0.1 serving our own pages in the shapes real provincial portals use."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from string import Template
from urllib.parse import urlsplit

# Path → (page file, page title); every article sits inside the portal layout.
ROUTES = {
    "/tin-tuc/cai-cach-hanh-chinh": ("listing.html", "Cải cách hành chính"),
    "/tin-tuc/sa-dec-ke-hoach-cchc-2026": ("article-ke-hoach.html", "Kế hoạch CCHC năm 2026"),
    "/tin-tuc/cao-lanh-ho-so-tre-han": ("article-tre-han.html", "Hồ sơ trễ hạn"),
    "/tin-tuc/chi-so-cchc-2025": ("article-chi-so.html", "Chỉ số CCHC năm 2025"),
    "/tin-tuc/giai-bong-chuyen-mung-xuan": ("article-the-thao.html", "Giải bóng chuyền"),
}


def _page(name: str) -> str:
    return resources.files("cchc_monitor.demo").joinpath("site", name).read_text(encoding="utf-8")


class DemoPortal:
    """Serves the demo site in a background thread; use as a context manager."""

    def __init__(self) -> None:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body, ctype, status = portal.render(urlsplit(self.path).path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def render(self, path: str) -> tuple[str, str, int]:
        """(body, content type, status) for one path."""
        if path == "/rss.xml":
            return Template(_page("rss.xml")).substitute(base=self.base), "application/rss+xml; charset=utf-8", 200
        if path not in ROUTES:
            return "<html><body><h1>404 - Không tìm thấy trang</h1></body></html>", "text/html; charset=utf-8", 404
        name, title = ROUTES[path]
        html = Template(_page("layout.html")).substitute(title=title, content=_page(name))
        return html, "text/html; charset=utf-8", 200

    @property
    def feed_url(self) -> str:
        """The demo RSS feed."""
        return f"{self.base}/rss.xml"

    @property
    def listing_url(self) -> str:
        """The demo CCHC news listing page."""
        return f"{self.base}/tin-tuc/cai-cach-hanh-chinh"

    def __enter__(self) -> DemoPortal:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
