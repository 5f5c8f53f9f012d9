"""The faces people use: the command line, the terminal UI and (next) the web. Each calls only the service."""
