-- 012: the year a CCHC plan article's plan is FOR (analysis.plan_year; 0 when not given), so
-- "no plan for 2027 seen" is not fooled by a 2027 plan issued in December 2026.
ALTER TABLE articles ADD COLUMN plan_year INTEGER;
