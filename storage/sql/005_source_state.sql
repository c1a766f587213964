-- 005: a source can be paused by the monitor (HTTP 410 Gone) until an operator enables it again;
-- v_source_health shows that state next to the failure streak.
ALTER TABLE sources ADD COLUMN disabled_reason VARCHAR;
ALTER TABLE sources ADD COLUMN disabled_at TIMESTAMPTZ;

CREATE OR REPLACE VIEW v_source_health AS
WITH source_log AS (
    -- the fetch of each source's own feed or listing page (not its articles)
    SELECT l.* FROM fetch_log l JOIN sources s ON s.id = l.source_id AND s.url = l.url
),
last_ok AS (
    SELECT source_id, max(fetched_at) AS at FROM source_log WHERE ok GROUP BY source_id
)
SELECT s.id AS source_id, s.name, s.kind, s.url, s.enabled,
       s.disabled_reason, s.disabled_at,
       lo.at AS last_ok_at,
       max(l.fetched_at) FILTER (WHERE NOT l.ok) AS last_failure_at,
       arg_max(l.reason, l.fetched_at) FILTER (WHERE NOT l.ok) AS last_failure_reason,
       count(*) FILTER (WHERE NOT l.ok) AS failures,
       count(*) FILTER (WHERE l.ok) AS successes,
       count(*) FILTER (WHERE NOT l.ok AND (lo.at IS NULL OR l.fetched_at > lo.at)) AS consecutive_failures,
       count(*) FILTER (WHERE NOT l.ok AND (lo.at IS NULL OR l.fetched_at > lo.at)) >= 3 AS unhealthy
FROM sources s
LEFT JOIN source_log l ON l.source_id = s.id
LEFT JOIN last_ok lo ON lo.source_id = s.id
GROUP BY ALL;
