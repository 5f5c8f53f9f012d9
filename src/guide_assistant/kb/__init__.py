"""The knowledge base: sources, their sections and readable text, and the structured model."""
