"""The portal farm of benchmarks/farm: distinct hosts, feeds, validators, the next day, failures, the
in-flight counter; and one real `cchc-monitor run` over a tiny farm, checked from the servers' side."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from benchmarks.farm import Farm, FarmConfig, running_farm
from scrapers.sources import load_sources
from tests.helpers import age_reads

LINK = re.compile(r"<item><title>.*?</title><link>(.*?)</link>")


@pytest.fixture(scope="module")
def farm() -> Iterator[Farm]:
    """8 portals x 5 articles, 0-5 ms latency, host 3 answering 502; half the portals publish 2 on day 2."""
    config = FarmConfig(portals=8, articles=5, latency=(0.0, 0.005), failures={3: "5xx"}, new_share=0.5,
                        new_articles=2)
    with Farm(config) as running:
        yield running


def links(farm: Farm, index: int, client: httpx.Client) -> list[str]:
    response = client.get(f"{farm.base_url(farm.portals[index])}/rss.xml")
    assert response.status_code == 200
    return LINK.findall(response.text)


def test_farm_portals_are_distinct_hosts_with_their_own_feed_and_platform(farm: Farm, tmp_path: Path) -> None:
    addresses = {p.address for p in farm.portals}
    assert len(addresses) == 8 and all(a.startswith("127.0.") and a != "127.0.0.1" for a in addresses)
    specs = load_sources(farm.write_sources(tmp_path / "sources.yaml"), default_max_items=30)
    assert {s.url.split("/")[2].split(":")[0] for s in specs} == addresses
    assert {s.cms for s in specs} >= {"viettel", "vnpt-vnportal", "tandan", "nukeviet"}
    with httpx.Client() as client:
        feed = client.get(f"{farm.base_url(farm.portals[0])}/rss.xml")
        assert feed.headers["content-type"].startswith("application/rss+xml")
        assert "+0700</pubDate>" in feed.text
        items = LINK.findall(feed.text)
        assert len(items) == 5 and all(u.startswith(farm.base_url(farm.portals[0])) for u in items)
        page = client.get(items[0])
        assert page.status_code == 200 and "journal-content-article" in page.text  # portal 0 is a Viettel one
        assert 50_000 < len(page.content) < 100_000
        assert "hồ sơ" in page.text
        robots = client.get(f"{farm.base_url(farm.portals[0])}/robots.txt")
        assert "User-agent: *" in robots.text


def test_farm_answers_304_to_a_matching_etag_or_date(farm: Farm) -> None:
    with httpx.Client() as client:
        url = links(farm, 1, client)[0]
        first = client.get(url)
        assert client.get(url, headers={"If-None-Match": first.headers["etag"]}).status_code == 304
        assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
        assert client.get(url, headers={"If-Modified-Since": first.headers["last-modified"]}).status_code == 304


def test_farm_failing_host_answers_502(farm: Farm) -> None:
    with httpx.Client() as client:
        assert client.get(f"{farm.base_url(farm.portals[3])}/rss.xml").status_code == 502


def test_farm_timeout_and_429_hosts() -> None:
    with Farm(FarmConfig(portals=2, articles=1, latency=(0, 0), failures={0: "timeout", 1: "429"},
                         retry_after=7)) as farm, httpx.Client(timeout=0.2) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get(f"{farm.base_url(farm.portals[0])}/rss.xml")
        limited = client.get(f"{farm.base_url(farm.portals[1])}/rss.xml")
        assert limited.status_code == 429 and limited.headers["retry-after"] == "7"


def test_farm_next_day_adds_items_only_on_the_chosen_portals() -> None:
    config = FarmConfig(portals=8, articles=5, latency=(0.0, 0.005), fail_share=0, new_share=0.5, new_articles=2)
    with Farm(config) as farm, httpx.Client() as client:
        before = {p.index: links(farm, p.index, client) for p in farm.portals}
        tags = {p.index: client.get(f"{farm.base_url(p)}/rss.xml").headers["etag"] for p in farm.portals}
        farm.set_day(2)
        chosen = {p.index for p in farm.portals if p.publishes_on_day2}
        assert len(chosen) == 4
        for p in farm.portals:
            after = links(farm, p.index, client)
            conditional = client.get(f"{farm.base_url(p)}/rss.xml", headers={"If-None-Match": tags[p.index]})
            if p.index in chosen:
                assert len(after) == 5 and len(set(after) - set(before[p.index])) == 2
                assert conditional.status_code == 200
                assert client.get(after[0]).status_code == 200
            else:
                assert after == before[p.index] and conditional.status_code == 304


def test_farm_in_flight_counter_records_concurrency(farm: Farm) -> None:
    parallel, sequential = farm.portals[5], farm.portals[6]
    statuses: list[int] = []

    def fetch() -> None:  # each on its own connection; the farm answers both once both are in flight
        with httpx.Client() as client:
            statuses.append(client.get(f"{farm.base_url(parallel)}/rss.xml?_hold=2").status_code)

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with httpx.Client() as client:
        for _ in range(2):
            client.get(f"{farm.base_url(sequential)}/rss.xml")
    stats = farm.stats()
    assert statuses == [200, 200]
    assert stats[parallel.address].max_in_flight == 2
    assert stats[sequential.address].max_in_flight == 1 and stats[sequential.address].requests >= 2
    # the control endpoint tells the same to another process
    report = httpx.get(f"{farm.control_url}/stats").json()
    assert report["hosts"][parallel.address]["max_in_flight"] == 2


@pytest.mark.flow
def test_cchc_monitor_runs_over_50_portals_one_request_per_host_each_article_stored_once(tmp_path: Path) -> None:
    """Two real `cchc-monitor run`s (the engine, the process pool, batches of 64) over 50 portals x 4, checked
    from the servers' side; the second, the next day, reads robots.txt from the database and revisits with
    validators (304s), fetching in full only what was published."""
    sources, db = tmp_path / "sources.yaml", tmp_path / "cchc.duckdb"
    config = FarmConfig(portals=50, articles=4, latency=(0.0, 0.005), fail_share=0, new_share=0.2, new_articles=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CCHC_", "PREFECT_API"))}
    env.update(CCHC_SOURCES_FILE=str(sources), CCHC_DB_PATH=str(db), CCHC_HOST_DELAY="0", CCHC_RETRY_DELAY="0",
               CCHC_CPU_WORKERS="2", CCHC_BATCH_SIZE="64", CCHC_CONNECTIONS="16",
               PREFECT_HOME=os.environ.get("PREFECT_HOME") or str(tmp_path / "prefect"),
               PREFECT_SERVER_ANALYTICS_ENABLED="false", DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING")
    command = [sys.executable, "-c", "from cchc_monitor.cli import app; app()"]

    def sql(query: str) -> list[dict[str, object]]:
        out = subprocess.run([*command, "sql", query, "--format", "json"], env=env, capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    with running_farm(config, sources) as farm:
        first = subprocess.run([*command, "run"], env=env, capture_output=True, text=True, timeout=600)
        stats = farm.stats()
        rows = sql("select url, title from articles")
        farm.set_day(2)
        age_reads(db, hours=24)  # a day has passed since the pages were read: the recent ones are due again
        farm.reset_stats()
        second = subprocess.run([*command, "run"], env=env, capture_output=True, text=True, timeout=600)
        next_day = farm.stats()
    assert first.returncode == 0, first.stdout + first.stderr
    assert "sources tried 50, failed 0" in first.stdout
    assert all(s.max_in_flight == 1 for s in stats.values()), {a: s.max_in_flight for a, s in stats.items()}
    assert all(s.kinds["article"] == 4 and s.kinds["robots"] == 1 for s in stats.values())
    served = {a.story.title for p in farm.portals for a in p.articles[: config.articles]}
    assert len(rows) == 200 == len({r["url"] for r in rows})  # every article once
    assert {r["title"] for r in rows} == served  # Vietnamese intact, every page
    # the next day
    assert second.returncode == 0, second.stdout + second.stderr
    assert all(s.max_in_flight <= 1 for s in next_day.values())
    assert sum(s.kinds["robots"] for s in next_day.values()) == 0  # kept in the database for 24 h
    publishing = [p for p in farm.portals if p.publishes_on_day2]
    assert publishing and len(sql("select url from articles")) == 200 + len(publishing)
    # an unchanged feed answered 304 and was skipped whole; a publishing portal's feed lost its oldest item to
    # the new one, and its old items were asked again (revisits) with their validators, answered 304
    assert sum(s.kinds["article"] for s in next_day.values()) == 4 * len(publishing)
    assert sum(s.statuses[304] for s in next_day.values()) == 3 * len(publishing) + (50 - len(publishing))
