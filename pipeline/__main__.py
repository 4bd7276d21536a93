"""`python -m nordwire.pipeline` is the `nordwire` command."""

from nordwire.pipeline.cli import main

main()
