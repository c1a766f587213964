"""Turns Vietnamese article text into CCHC facts, each with the phrase and offsets it came from."""

from __future__ import annotations

from typing import Any

from analysis import backlog, classify, documents, places, scores
from cchc_monitor import dates
from cchc_monitor.keys import article_id, canonical_url, content_hash
from cchc_monitor.models import Analysis, ArticleRecord, ExtractedArticle, Fact
from cchc_monitor.text import as_int_if_whole, nfc

__all__ = ["analyze", "to_contract", "to_record"]


def analyze(text: str, url: str | None = None) -> Analysis:
    """Analyse one article's text (NFC-normalised first); `url` helps place it when the text does not."""
    text = nfc(text)
    backlog_facts = backlog.backlog_figures(text)
    rate_facts = backlog.on_time_rates(text)
    doc_facts = documents.documents(text)
    score_facts = scores.scores(text)
    is_cchc, category = classify.classify(text, backlog_facts, score_facts)
    locality, province = places.locate(text, url)
    published = dates.publication_date(text)
    facts: tuple[Fact, ...] = tuple(
        sorted([*backlog_facts, *rate_facts, *doc_facts, *score_facts], key=lambda f: f.start)
    )
    year = classify.plan_year(text) if category == "plan" else None
    return Analysis(is_cchc, category, published, locality, province, facts, year)


def to_record(source_id: str, article: ExtractedArticle) -> ArticleRecord:
    """An extracted article as the record to store: its canonical URL and id, headline and body
    analysed together, and the hash of its body (the story key of exact copies)."""
    url = canonical_url(article.url)
    text = f"{article.title}\n\n{article.text}" if article.title else article.text
    return ArticleRecord(article_id(url), url, source_id, article.title, article.published, text,
                         content_hash(article.text), article.extractor, analyze(text, url))


def _plan(result: Analysis) -> dict[str, Any] | None:
    """The announced plan: its target year and, when cited, its number and date."""
    if result.category != "plan":
        return None
    plans = [f for f in result.of_kind("document") if f.attrs.get("type") == "Kế hoạch"]
    return {"year": result.plan_year or None,
            "number": plans[-1].attrs["number"] if plans else None,
            "date": plans[-1].attrs["date"] if plans else None}


def to_contract(result: Analysis) -> dict[str, Any]:
    """The JSON object of the `analyze` contract (../shared/eval/README.md), plus offsets."""
    return {
        "is_cchc": result.is_cchc,
        "category": result.category,
        "published": result.published.isoformat() if result.published else None,
        "locality": result.locality,
        "province": result.province,
        "plan": _plan(result),
        "backlog_figures": [
            {"count": int(f.value or 0), "level": f.attrs.get("level"), "phrase": f.phrase,
             "start": f.start, "end": f.end}
            for f in result.of_kind("backlog")
        ],
        "on_time_rates": [
            {"percent": f.value, "phrase": f.phrase, "start": f.start, "end": f.end}
            for f in result.of_kind("on_time_rate")
        ],
        "documents": [
            {**f.attrs, "phrase": f.phrase, "start": f.start, "end": f.end}
            for f in result.of_kind("document")
        ],
        "scores": [
            {"index": f.attrs["index"], "value": as_int_if_whole(f.value) if f.value is not None else None,
             "max": as_int_if_whole(f.attrs["max"]) if f.attrs.get("max") is not None else None,
             "year": f.attrs.get("year"), "rank": f.attrs.get("rank"), "change": f.attrs.get("change"),
             "phrase": f.phrase, "start": f.start, "end": f.end}
            for f in result.of_kind("score")
        ],
    }
