"""Saved state: the progress store (projects, ticks, notes, log) and the conversation store (SQLite)."""
