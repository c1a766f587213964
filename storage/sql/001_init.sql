-- 001: the first schema: sources, fetch log, runs, articles, facts, alerts outbox.
CREATE TABLE sources (
    id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    province VARCHAR,              -- former (pre-2025) province name
    province_current VARCHAR,      -- province after the 2025 merger
    level VARCHAR,
    enabled BOOLEAN NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE runs (
    id VARCHAR PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    summary JSON
);

CREATE SEQUENCE fetch_log_id;
CREATE TABLE fetch_log (
    id BIGINT PRIMARY KEY DEFAULT nextval('fetch_log_id'),
    run_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    url VARCHAR NOT NULL,
    ok BOOLEAN NOT NULL,
    status INTEGER,
    reason VARCHAR,                -- stable reason code when ok is false
    detail VARCHAR,
    fetched_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE articles (
    id VARCHAR PRIMARY KEY,        -- sha256 of the canonical URL, 16 hex digits
    url VARCHAR NOT NULL UNIQUE,   -- canonical URL
    source_id VARCHAR NOT NULL,
    title VARCHAR,
    published DATE,
    body VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    is_cchc BOOLEAN NOT NULL,
    category VARCHAR NOT NULL,
    locality VARCHAR,
    province VARCHAR,
    province_current VARCHAR,
    extractor VARCHAR,
    run_id VARCHAR NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE facts (
    article_id VARCHAR NOT NULL,
    fact_key VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,         -- backlog | on_time_rate | document | score
    value DOUBLE,
    phrase VARCHAR NOT NULL,       -- the exact text the fact came from
    start_offset INTEGER NOT NULL, -- character offsets of the phrase in articles.body
    end_offset INTEGER NOT NULL,
    attrs JSON,
    PRIMARY KEY (article_id, fact_key)
);

CREATE TABLE alerts (
    key VARCHAR PRIMARY KEY,       -- unique per rule and fact: an alert is never sent twice
    rule VARCHAR NOT NULL,
    article_id VARCHAR,
    title VARCHAR NOT NULL,
    body VARCHAR NOT NULL,
    status VARCHAR NOT NULL,       -- pending | sent
    attempts INTEGER NOT NULL,
    last_error VARCHAR,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
