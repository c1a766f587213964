-- 013: a story's figures are every distinct figure of its members, not only its lead article's, so
-- a wrong merge (two reports from one template placed in one story) never hides the other's figures.
-- A figure is the same when its value, tier (or index and year) and locality are, whatever phrase a copy
-- words it with; it is shown once, from the lead article if the lead has it, else from the first member.
CREATE OR REPLACE VIEW v_backlog AS
SELECT a.locality, a.province, a.province_current, f.attrs->>'level' AS level,
       CAST(f.value AS BIGINT) AS count, a.published AS report_date, a.source_id, a.url, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
LEFT JOIN story_clusters c ON c.id = a.cluster_id
WHERE f.kind = 'backlog'
QUALIFY row_number() OVER (
    PARTITION BY coalesce(a.cluster_id, a.id), f.value, f.attrs->>'level', coalesce(a.locality, a.province, '')
    ORDER BY (a.id = c.lead_article_id) DESC NULLS LAST, a.first_seen_at, a.id) = 1;

CREATE OR REPLACE VIEW v_scores AS
SELECT f.attrs->>'index' AS index_name, f.value, TRY_CAST(f.attrs->>'max' AS DOUBLE) AS max,
       TRY_CAST(f.attrs->>'year' AS INTEGER) AS year, f.attrs->>'rank' AS rank, f.attrs->>'change' AS change,
       a.province, a.province_current, a.locality, a.published AS report_date, a.source_id, a.url, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
LEFT JOIN story_clusters c ON c.id = a.cluster_id
WHERE f.kind = 'score'
QUALIFY row_number() OVER (
    PARTITION BY coalesce(a.cluster_id, a.id), f.value, lower(f.attrs->>'index'), f.attrs->>'year', f.attrs->>'rank',
                 coalesce(f.attrs->>'entity', a.locality, a.province, '')
    ORDER BY (a.id = c.lead_article_id) DESC NULLS LAST, a.first_seen_at, a.id) = 1;
