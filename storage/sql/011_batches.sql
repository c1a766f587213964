-- 011: shards' Parquet batches merged into this database, each once (docs/scaling.md).
CREATE TABLE ingested_batches (
    batch_id VARCHAR PRIMARY KEY,
    run_id VARCHAR NOT NULL,
    ingested_at TIMESTAMPTZ NOT NULL
);
