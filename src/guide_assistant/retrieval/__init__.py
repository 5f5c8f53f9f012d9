"""Retrieval: dense (faiss) and lexical (BM25) retrievers, fused, filtered."""
