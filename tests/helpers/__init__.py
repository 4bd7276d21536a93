"""Helpers shared by test folders: feed documents and a local feed server."""
