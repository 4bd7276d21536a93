"""Feed health from the `feeds` table: the fetch log the streaming and scheduled jobs write.

The local poller keeps each feed's health in its SQLite state; a job on Dataflow or Flink
logs every fetch to the output's `feeds` table instead, and this folds that log into the
poller state's shape (`PollerState.feed_rows`, less the poller's own back-off time), so `nordwire feeds status` and `report` show
either the same way: the last status, failures since the last success, the last success,
fetches, stories stored from the feed, and the error of a feed that fails now.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import duckdb
from nordwire.pipeline.read.query import select

HEALTH = """
WITH latest AS (
    SELECT url, arg_max(name, fetched_at) AS name, arg_max(status, fetched_at) AS last_status,
           arg_max(detail, fetched_at) AS last_detail, max(fetched_at) AS last_fetch_at,
           max(fetched_at) FILTER (WHERE ok) AS last_success_at, count(*) AS fetches,
           count(*) FILTER (WHERE status = 304) AS not_modified
    FROM feeds GROUP BY url
), failing AS (
    SELECT f.url, count(*) AS failures FROM feeds f JOIN latest l USING (url)
    WHERE NOT f.ok AND (l.last_success_at IS NULL OR f.fetched_at > l.last_success_at)
    GROUP BY f.url
), stored AS (
    SELECT input AS url, count(*) AS new_items FROM articles
    WHERE input IN (SELECT url FROM latest) GROUP BY input
)
SELECT l.name, l.url, l.last_status, coalesce(failing.failures, 0) AS failures,
       l.last_success_at, l.last_fetch_at, l.fetches, l.not_modified,
       coalesce(stored.new_items, 0) AS new_items,
       CASE WHEN failing.failures > 0 THEN l.last_detail END AS last_error
FROM latest l LEFT JOIN failing USING (url) LEFT JOIN stored USING (url)
ORDER BY l.name, l.url
"""


def _plain(value: Any) -> Any:
    # The poller's state keeps times as ISO text: the same here, so readers need one parser.
    return value.isoformat() if isinstance(value, datetime) else value


def feed_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every feed in the `feeds` table with its health (empty when no job logged a fetch)."""
    cursor = select(con, HEALTH)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, map(_plain, row), strict=True)) for row in cursor.fetchall()]
