"""The local poller (`nordwire poll`): cycles of fetch, land, process and commit with SQLite state."""
