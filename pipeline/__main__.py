"""`python -m pipeline` is the `nordwire` command."""

from pipeline.cli import main

main()
