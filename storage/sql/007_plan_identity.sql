-- 007: a plan's identity is its number, year, province and, when the text names one, the local
-- People's Committee that issued it (cchc_monitor.keys.plan_key): plan numbers restart every year and
-- every People's Committee numbers its own, so "148/KH-UBND" alone names many plans. v_plans groups
-- by that key; the keys of alerts already sent for plans gain the year and province, so a repost of
-- a plan alerted before the upgrade does not alert again.
CREATE OR REPLACE VIEW v_plan_mentions AS
SELECT replace(upper(trim(f.attrs->>'number')), 'Đ', 'D') || ':'
         || coalesce(CAST(year(TRY_CAST(f.attrs->>'date' AS DATE)) AS VARCHAR), CAST(year(a.published) AS VARCHAR), '')
         || ':' || coalesce(a.province_current, a.province, '')
         || coalesce(':' || (f.attrs->>'issued_by'), '') AS plan_key,
       f.attrs->>'number' AS number, f.attrs->>'issuer' AS issuer, f.attrs->>'issued_by' AS issued_by,
       TRY_CAST(f.attrs->>'date' AS DATE) AS date,
       a.id AS article_id, a.source_id, a.url, a.province, a.province_current, a.first_seen_at
FROM facts f JOIN articles a ON a.id = f.article_id
WHERE f.kind = 'document' AND f.attrs->>'type' = 'Kế hoạch';

CREATE OR REPLACE VIEW v_plans AS
SELECT plan_key,
       any_value(number) AS number,
       any_value(issuer) AS issuer,
       any_value(issued_by) AS issued_by,
       max(date) AS date,
       TRY_CAST(split_part(plan_key, ':', 2) AS INTEGER) AS year,
       min(first_seen_at) AS first_seen_at,
       count(DISTINCT article_id) AS mentions,
       count(DISTINCT source_id) AS sources,
       arg_min(url, first_seen_at) AS first_url,
       arg_min(province, first_seen_at) AS province,
       any_value(province_current) AS province_current
FROM v_plan_mentions
GROUP BY plan_key;

UPDATE alerts SET key = 'new_plan:' || m.plan_key
FROM v_plan_mentions m
WHERE alerts.rule = 'new_plan' AND m.article_id = alerts.article_id
  AND alerts.key = 'new_plan:' || upper(m.number);
