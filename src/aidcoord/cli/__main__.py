"""`python -m aidcoord.cli`: the same command line as the `aidcoord` script."""

from aidcoord.cli.main import app

app()
