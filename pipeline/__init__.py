"""nordwire's Beam pipeline: options, the graph, its I/O edges and the command line."""
