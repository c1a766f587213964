-- 010: adaptive polling. Each cycle's decision per source (how many items it listed, how many were
-- new, the next interval and why) is kept; the latest one says when the source is due again.
CREATE TABLE poll_decisions (
    run_id VARCHAR NOT NULL,
    source_id VARCHAR NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL,
    listed INTEGER NOT NULL,
    new_items INTEGER NOT NULL,
    interval_hours DOUBLE NOT NULL,
    next_poll_at TIMESTAMPTZ NOT NULL,
    reason VARCHAR NOT NULL,           -- first | busy | quiet | steady | failed
    PRIMARY KEY (run_id, source_id)
);

CREATE OR REPLACE VIEW v_source_health AS
WITH source_log AS (
    -- the fetch of each source's own feed or listing page (not its articles)
    SELECT l.* FROM fetch_log l JOIN sources s ON s.id = l.source_id AND s.url = l.url
),
last_ok AS (
    SELECT source_id, max(fetched_at) AS at FROM source_log WHERE ok GROUP BY source_id
),
last_poll AS (
    SELECT source_id, arg_max(interval_hours, decided_at) AS poll_interval_hours,
           arg_max(next_poll_at, decided_at) AS next_poll_at, arg_max(reason, decided_at) AS poll_reason
    FROM poll_decisions GROUP BY source_id
)
SELECT s.id AS source_id, s.name, s.kind, s.url, s.enabled,
       s.disabled_reason, s.disabled_at,
       lo.at AS last_ok_at,
       max(l.fetched_at) FILTER (WHERE NOT l.ok) AS last_failure_at,
       arg_max(l.reason, l.fetched_at) FILTER (WHERE NOT l.ok) AS last_failure_reason,
       count(*) FILTER (WHERE NOT l.ok) AS failures,
       count(*) FILTER (WHERE l.ok) AS successes,
       count(*) FILTER (WHERE NOT l.ok AND (lo.at IS NULL OR l.fetched_at > lo.at)) AS consecutive_failures,
       count(*) FILTER (WHERE NOT l.ok AND (lo.at IS NULL OR l.fetched_at > lo.at)) >= 3 AS unhealthy,
       p.poll_interval_hours, p.next_poll_at, p.poll_reason
FROM sources s
LEFT JOIN source_log l ON l.source_id = s.id
LEFT JOIN last_ok lo ON lo.source_id = s.id
LEFT JOIN last_poll p ON p.source_id = s.id
GROUP BY ALL;
