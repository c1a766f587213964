-- 016: facts lose their primary key, which nothing needed and every write paid for. A fact is written only
-- with an article not stored before, or after its article's facts were deleted (a revision), and a batch's
-- repeated keys are left out (storage/repository.py, UNIQUE_KEYS), so (article_id, fact_key) stays unique
-- without it; no query looks facts up by the whole key. The index held about 120 bytes a fact (6 or 7 an
-- article): two thirds of DuckDB's index memory in a write window, growing with the table.
CREATE TABLE facts_unkeyed (
    article_id VARCHAR NOT NULL,
    fact_key VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,         -- backlog | on_time_rate | document | score
    value DOUBLE,
    phrase VARCHAR NOT NULL,       -- the exact text the fact came from
    start_offset INTEGER NOT NULL, -- character offsets of the phrase in articles.body
    end_offset INTEGER NOT NULL,
    attrs JSON
);
INSERT INTO facts_unkeyed SELECT article_id, fact_key, kind, value, phrase, start_offset, end_offset, attrs FROM facts;
DROP TABLE facts;
ALTER TABLE facts_unkeyed RENAME TO facts;
