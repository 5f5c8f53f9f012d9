"""The command line: the Typer commands, the fast start path for a plain ask/search/UI start, the process entry point."""
