"""Records and Arrow schemas of nordwire's tables, plus the closed topic vocabulary."""

PIPELINE_VERSION = "0.1.0"
