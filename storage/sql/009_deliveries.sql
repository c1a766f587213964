-- 009: alerts say why they fired and whom they are for; the outbox holds one delivery per alert and
-- target, each sent and marked on its own (a failing channel never blocks or repeats the others).
-- A target is stored by a fingerprint of its URL and a redacted label, never the URL itself.
ALTER TABLE alerts ADD COLUMN severity VARCHAR DEFAULT 'info';
ALTER TABLE alerts ADD COLUMN tags JSON;            -- the recipient tags its rule names
ALTER TABLE alerts ADD COLUMN province VARCHAR;
ALTER TABLE alerts ADD COLUMN reason JSON;          -- rule, figure, what it was compared with, phrase, links
ALTER TABLE alerts ADD COLUMN operator BOOLEAN DEFAULT false;  -- source health and delivery notices

CREATE SEQUENCE delivery_id;
CREATE TABLE deliveries (
    id BIGINT PRIMARY KEY DEFAULT nextval('delivery_id'),
    alert_key VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,      -- fingerprint of the target's URL (the URL holds secrets: never stored)
    target_label VARCHAR NOT NULL,   -- redacted, e.g. "mailtos://smtp.example.vn [lanhdao]"
    status VARCHAR NOT NULL,         -- pending | sent | dead | dropped
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error VARCHAR,              -- redacted
    next_attempt_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ,
    UNIQUE (alert_key, target_id)
);

-- digests already sent, so a recipient never gets one day's bulletin twice
CREATE TABLE digests (
    recipient VARCHAR NOT NULL,
    day DATE NOT NULL,
    target_id VARCHAR NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (recipient, day, target_id)
);

CREATE OR REPLACE VIEW v_alerts AS
SELECT a.key, a.rule, a.severity, a.title, a.status, a.attempts, a.last_error, a.created_at, a.sent_at,
       a.province, a.tags, a.reason->>'summary' AS why, a.reason->>'phrase' AS phrase, a.article_id,
       count(d.id) AS deliveries, count(d.id) FILTER (WHERE d.status = 'sent') AS delivered,
       count(d.id) FILTER (WHERE d.status = 'dead') AS dead
FROM alerts a LEFT JOIN deliveries d ON d.alert_key = a.key
GROUP BY ALL;

CREATE VIEW v_deliveries AS
SELECT d.id, d.alert_key, a.rule, a.severity, a.title, d.target_label AS target, d.status, d.attempts,
       d.last_error, d.next_attempt_at, d.created_at, d.sent_at
FROM deliveries d JOIN alerts a ON a.key = d.alert_key;
