-- 014: robots.txt rules kept across cycles for their lifetime (24 h), so a cycle does not ask every host
-- again; body NULL means the host has none (everything allowed). An unreachable host's answer is never kept.
CREATE TABLE robots_rules (
    origin VARCHAR PRIMARY KEY,
    body VARCHAR,
    expires_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
