"""The index: passages cut from the readable sections, embedded and stored on disk."""
