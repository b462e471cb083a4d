"""Where things are kept: the lake (Parquet per shard), the DuckDB warehouse and its schema, the lake → warehouse
load and the run lock. Knows nothing of the stages above it but the document rows ingest hands it."""
