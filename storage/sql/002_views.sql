-- 002: the documented query surface.
CREATE VIEW v_articles AS
SELECT a.id, a.url, a.source_id, s.name AS source_name, a.title, a.published, a.is_cchc,
       a.category, a.locality, a.province, a.province_current, a.first_seen_at
FROM articles a LEFT JOIN sources s ON s.id = a.source_id;

CREATE VIEW v_backlog AS
SELECT a.locality, a.province, a.province_current, f.attrs->>'level' AS level,
       CAST(f.value AS BIGINT) AS count, a.published AS report_date, a.source_id, a.url, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
WHERE f.kind = 'backlog';

CREATE VIEW v_documents AS
SELECT f.attrs->>'number' AS number, f.attrs->>'type' AS type, f.attrs->>'issuer' AS issuer,
       TRY_CAST(f.attrs->>'date' AS DATE) AS date, a.url, a.source_id, a.province, f.phrase
FROM facts f JOIN articles a ON a.id = f.article_id
WHERE f.kind = 'document';

CREATE VIEW v_alerts AS
SELECT key, rule, title, status, attempts, last_error, created_at, sent_at FROM alerts;

CREATE VIEW v_source_health AS
SELECT s.id AS source_id, s.name, s.kind, s.enabled,
       max(l.fetched_at) FILTER (WHERE l.ok) AS last_ok_at,
       max(l.fetched_at) FILTER (WHERE NOT l.ok) AS last_failure_at,
       arg_max(l.reason, l.fetched_at) FILTER (WHERE NOT l.ok) AS last_failure_reason,
       count(*) FILTER (WHERE NOT l.ok) AS failures,
       count(*) FILTER (WHERE l.ok) AS successes
FROM sources s LEFT JOIN fetch_log l ON l.source_id = s.id
GROUP BY ALL;
