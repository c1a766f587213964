-- 008: band keys now come from CRC-32 shingle hashes (dedup/minhash.py), so keys stored before cannot
-- match new ones: the window's articles are queued to get theirs again at the start of the next
-- cycle, before any lookup (the same backfill as an upgrade from before 006).
INSERT INTO articles_without_bands
SELECT DISTINCT b.article_id FROM article_bands b
WHERE b.article_id NOT IN (SELECT article_id FROM articles_without_bands);
DELETE FROM article_bands;
