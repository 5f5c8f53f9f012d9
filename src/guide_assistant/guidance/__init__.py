"""Guidance built from the knowledge base: checklists, and later answers and next steps."""
