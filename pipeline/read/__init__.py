"""Reading the written tables: DuckDB views and queries, the shell, the report and its charts (driver side)."""
