"""Answers composed from the evidence: the answer model, the composer, labels in three languages."""
