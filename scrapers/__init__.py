"""Fetch and parse: which sources to read, their article links, then each article's title, date and body."""

from __future__ import annotations

from cchc_monitor.config import FetchPolicy
from scrapers.article import extract_article, page_text
from scrapers.crawl import (
           Discovered,
           discover,
           extract_page,
           fetch_article,
           fetch_articles,
           fetcher_for,
           shared_gates,
           shared_robots,
)
from scrapers.polling import PollDecision, decide
from scrapers.selection import Collected, Discovery, collect, due_sources, select_sources, skip_paused
from scrapers.sources import load_sources
from scrapers.sweep import Fetched, Sweep

__all__ = ["Collected", "Discovered", "Discovery", "FetchPolicy", "Fetched", "PollDecision", "Sweep", "collect",
           "decide", "discover", "due_sources", "extract_article", "extract_page", "fetch_article", "fetch_articles",
           "fetcher_for", "load_sources", "page_text", "select_sources", "shared_gates", "shared_robots",
           "skip_paused"]
