-- 004: views for plans (one row per plan, however many portals repost it), scores, backlog by locality.
CREATE VIEW v_plans AS
SELECT upper(replace(f.attrs->>'number', 'Đ', 'D')) AS plan_key,
       any_value(f.attrs->>'number') AS number,
       any_value(f.attrs->>'issuer') AS issuer,
       max(TRY_CAST(f.attrs->>'date' AS DATE)) AS date,
       max(year(TRY_CAST(f.attrs->>'date' AS DATE))) AS year,
       min(a.first_seen_at) AS first_seen_at,
       count(DISTINCT a.id) AS mentions,
       count(DISTINCT a.source_id) AS sources,
       arg_min(a.url, a.first_seen_at) AS first_url,
       arg_min(a.province, a.first_seen_at) AS province
FROM facts f JOIN articles a ON a.id = f.article_id
WHERE f.kind = 'document' AND f.attrs->>'type' = 'Kế hoạch'
GROUP BY 1;

CREATE VIEW v_scores AS
SELECT f.attrs->>'index' AS index_name, f.value, TRY_CAST(f.attrs->>'max' AS DOUBLE) AS max,
       TRY_CAST(f.attrs->>'year' AS INTEGER) AS year, f.attrs->>'rank' AS rank, f.attrs->>'change' AS change,
       a.province, a.province_current, a.locality, a.published AS report_date, a.source_id, a.url, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
WHERE f.kind = 'score';

CREATE VIEW v_backlog_by_locality AS
SELECT coalesce(locality, province) AS locality, province, province_current, level AS tier, count,
       report_date, source_id AS source, url AS link, phrase
FROM v_backlog;
