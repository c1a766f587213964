-- 015: the band-key and body-hash indexes go. A cycle looks up a batch's keys at once (thousands: a
-- scan with a hash semi-join, which never used them), while every checkpoint rewrote them whole and
-- every insert and prune kept them: at 20,000 articles they were most of what a write window's close
-- added to memory, growing with the tables.
DROP INDEX IF EXISTS article_bands_key;
DROP INDEX IF EXISTS articles_content;
