-- 006: story clusters (one story, every place it appeared), LSH band keys for near-duplicate lookup,
-- and revisions of articles whose text changed under the same URL.
CREATE TABLE story_clusters (
    id VARCHAR PRIMARY KEY,            -- the id of the first article of the story
    lead_article_id VARCHAR NOT NULL,  -- the first-seen article
    created_at TIMESTAMPTZ NOT NULL
);

ALTER TABLE articles ADD COLUMN cluster_id VARCHAR;
ALTER TABLE articles ADD COLUMN revision INTEGER DEFAULT 1;
ALTER TABLE articles ADD COLUMN updated_at TIMESTAMPTZ;

-- MinHash LSH: one row per article and band (dedup/minhash.py: 20 bands of 3 rows, affine32), kept
-- for the articles of the near-copy window only (dedup.STORY_WINDOW_DAYS); older rows are pruned
CREATE TABLE article_bands (
    band_key BIGINT NOT NULL,
    article_id VARCHAR NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp  -- when the keys were stored
);
CREATE INDEX article_bands_key ON article_bands (band_key);
-- exact copies are found by body hash over the whole archive
CREATE INDEX articles_content ON articles (content_sha256);

-- articles stored before this version: each its own story; the band keys of those inside the
-- near-copy window (90 days, dedup.STORY_WINDOW_DAYS) are computed on the next cycle
INSERT INTO story_clusters SELECT id, id, first_seen_at FROM articles;
UPDATE articles SET cluster_id = id, revision = 1, updated_at = first_seen_at;
CREATE TABLE articles_without_bands AS
SELECT id AS article_id FROM articles WHERE first_seen_at >= now() - INTERVAL 90 DAY;

-- earlier texts of edited articles (articles holds the current one, with its revision number)
CREATE TABLE article_revisions (
    article_id VARCHAR NOT NULL,
    revision INTEGER NOT NULL,
    title VARCHAR,
    body VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    fetched_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (article_id, revision)
);

CREATE OR REPLACE VIEW v_articles AS
SELECT a.id, a.url, a.source_id, s.name AS source_name, a.title, a.published, a.is_cchc,
       a.category, a.locality, a.province, a.province_current, a.first_seen_at,
       a.cluster_id, a.id = c.lead_article_id AS is_lead, a.revision, a.updated_at
FROM articles a LEFT JOIN sources s ON s.id = a.source_id
LEFT JOIN story_clusters c ON c.id = a.cluster_id;

CREATE VIEW v_story_clusters AS
SELECT c.id AS cluster_id, lead.title AS title, lead.url AS lead_url, lead.source_id AS lead_source,
       lead.published, lead.category, lead.province, lead.province_current, c.created_at AS first_seen_at,
       count(m.id) AS articles, count(DISTINCT m.source_id) AS sources,
       list(DISTINCT m.source_id ORDER BY m.source_id) AS source_ids,
       list(m.url ORDER BY m.first_seen_at) AS urls,
       max(m.first_seen_at) AS last_seen_at
FROM story_clusters c
JOIN articles lead ON lead.id = c.lead_article_id
JOIN articles m ON m.cluster_id = c.id
GROUP BY ALL;

-- figures once per story: the lead article's facts (copies of a story carry the same figures)
CREATE OR REPLACE VIEW v_backlog AS
SELECT a.locality, a.province, a.province_current, f.attrs->>'level' AS level,
       CAST(f.value AS BIGINT) AS count, a.published AS report_date, a.source_id, a.url, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
JOIN story_clusters c ON c.id = a.cluster_id AND c.lead_article_id = a.id
WHERE f.kind = 'backlog';

CREATE OR REPLACE VIEW v_scores AS
SELECT f.attrs->>'index' AS index_name, f.value, TRY_CAST(f.attrs->>'max' AS DOUBLE) AS max,
       TRY_CAST(f.attrs->>'year' AS INTEGER) AS year, f.attrs->>'rank' AS rank, f.attrs->>'change' AS change,
       a.province, a.province_current, a.locality, a.published AS report_date, a.source_id, a.url, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
JOIN story_clusters c ON c.id = a.cluster_id AND c.lead_article_id = a.id
WHERE f.kind = 'score';
