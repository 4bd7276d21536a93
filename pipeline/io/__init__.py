"""The I/O edges: reading inputs, fetching feeds over HTTP, writing the Parquet tables."""
