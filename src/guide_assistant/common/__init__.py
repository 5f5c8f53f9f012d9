"""What every layer uses and which imports nothing of ours: paths, atomic files, the interface language, personal settings."""
