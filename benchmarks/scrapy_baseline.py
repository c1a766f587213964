"""A minimal Scrapy crawl of a sources file's RSS feeds and their articles, as polite as CCHC Monitor:
the baseline of benchmarks/crawl_scale.py. Needs the `bench` extra (Scrapy); run it in its own process:

    python -m benchmarks.scrapy_baseline --sources FARM/sources.yaml --delay 1 [--trafilatura] [--state FILE]

Politeness: one request in flight per download slot (CONCURRENT_REQUESTS_PER_DOMAIN=1), DOWNLOAD_DELAY
the host delay, not randomised, robots.txt obeyed, AutoThrottle off. Scrapy keys its slots by the
request's host name (CONCURRENT_REQUESTS_PER_IP=0), so each farm host (its own 127.0.X.Y) is a slot of
its own. Scrapy counts DOWNLOAD_DELAY from the start of the previous request, CCHC Monitor from the end
of the previous answer; Scrapy ignores robots' Crawl-delay and 429 Retry-After.

With --state, a run remembers the feeds' validators (sent as If-None-Match / If-Modified-Since next
time) and the articles it has read (not fetched again), as any incremental crawler would; "next day"
runs use it. Prints one JSON line of counts at the end (and writes it to --out).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import scrapy  # type: ignore[import-not-found, unused-ignore]  # the bench extra, not the lock
import trafilatura
import yaml
from scrapy.crawler import CrawlerProcess  # type: ignore[import-not-found, unused-ignore]

from cchc_monitor.settings import DEFAULT_CONNECTIONS

# Scrapy 2.19.0 keeps CONCURRENT_REQUESTS_PER_DOMAIN=1 only when DOWNLOAD_DELAY is not 0: with no delay,
# Downloader._process_queue hands every queued request of a slot to coroutines it only schedules, before
# the first one marks its slot busy (`transferring`), so a host gets all its queued requests at once (the
# farm saw 3 in flight on one host). A delay of 1 ms takes the other branch, which sends one at a time.
MIN_DELAY = 0.001


def settings_for(delay: float, timeout: float, retries: int, concurrency: int) -> dict[str, object]:
    """Scrapy settings at CCHC Monitor's politeness (a host delay of 0 becomes MIN_DELAY, see above)."""
    return {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": concurrency,  # as many requests in flight over all hosts as CCHC_CONNECTIONS
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS_PER_IP": 0,  # slots by host name: every farm host is its own slot
        "DOWNLOAD_DELAY": max(delay, MIN_DELAY),
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": timeout,
        "RETRY_TIMES": retries,
        # Scrapy's advice for broad crawls: a request waiting for a busy host does not hold up the others
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "ERROR",
        "USER_AGENT": "CCHC-Monitor-bench/0.1 (scrapy baseline)",
    }


class FeedSpider(scrapy.Spider):
    """Each source's RSS feed, then every item's article page (extracted with trafilatura if asked)."""

    name = "feeds"

    def __init__(self, sources: list[dict], extract: bool, state: dict, max_items: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sources, self.extract, self.state, self.max_items = sources, extract, state, max_items
        self.counts: Counter[str] = Counter()

    async def start(self):
        for source in self.sources:
            headers = {}
            known = self.state.setdefault("validators", {}).get(source["url"], {})
            if known.get("etag"):
                headers["If-None-Match"] = known["etag"]
            if known.get("last_modified"):
                headers["If-Modified-Since"] = known["last_modified"]
            yield scrapy.Request(source["url"], callback=self.parse_feed, errback=self.failed, headers=headers,
                                 meta={"handle_httpstatus_list": [304]})

    def parse_feed(self, response):
        if response.status == 304:
            self.counts["feeds_not_modified"] += 1
            return
        self.counts["feeds"] += 1
        validators = {k: response.headers.get(h).decode() for k, h in (("etag", "ETag"),
                                                                       ("last_modified", "Last-Modified"))
                      if response.headers.get(h)}
        self.state["validators"][response.url] = validators
        seen = self.state.setdefault("seen", {})
        for link in response.xpath("//item/link/text()").getall()[: self.max_items]:
            if link in seen:
                self.counts["articles_seen_before"] += 1
                continue
            yield scrapy.Request(link, callback=self.parse_article, errback=self.failed)

    def parse_article(self, response):
        if self.extract:
            text = trafilatura.extract(response.text, url=response.url) or ""
            self.counts["extracted_chars"] += len(text)
            if not text:
                self.counts["articles_without_text"] += 1
        else:
            self.counts["title_chars"] += len(response.css("title::text").get() or "")
        self.counts["articles"] += 1
        self.state.setdefault("seen", {})[response.url] = 1

    def failed(self, failure):
        self.counts["failed_" + type(failure.value).__name__] += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scrapy_baseline", description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=Path, required=True)
    parser.add_argument("--delay", type=float, default=1.0, help="DOWNLOAD_DELAY, the host delay (s)")
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--retries", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONNECTIONS)  # CCHC_CONNECTIONS' default
    parser.add_argument("--max-items", type=int, default=30)
    parser.add_argument("--exact-delay", action="store_true", help="a delay of 0 stays 0 (see MIN_DELAY)")
    parser.add_argument("--trafilatura", action="store_true", help="extract every article with trafilatura")
    parser.add_argument("--state", type=Path, default=None, help="JSON file of validators and articles read")
    parser.add_argument("--out", type=Path, default=None, help="write the counts here as JSON")
    args = parser.parse_args(argv)
    sources = [s for s in yaml.safe_load(args.sources.read_text(encoding="utf-8"))["sources"]
               if s.get("enabled", True) and s.get("kind") == "rss"]
    state = json.loads(args.state.read_text()) if args.state and args.state.exists() else {}
    started = time.monotonic()
    settings = settings_for(args.delay, args.timeout, args.retries, args.concurrency)
    if args.exact_delay:
        settings["DOWNLOAD_DELAY"] = args.delay
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(FeedSpider)
    process.crawl(crawler, sources=sources, extract=args.trafilatura, state=state, max_items=args.max_items)
    process.start()
    spider = crawler.spider
    counts: dict[str, float] = dict(getattr(spider, "counts", {}))
    stats = crawler.stats.get_stats() if crawler.stats else {}
    counts["requests"] = int(stats.get("downloader/request_count", 0))
    counts["wall_s"] = round(time.monotonic() - started, 2)
    if args.state:
        args.state.write_text(json.dumps(state))
    line = json.dumps(counts, sort_keys=True)
    if args.out:
        args.out.write_text(line)
    print(line)
    sys.exit(0)


if __name__ == "__main__":
    main()
