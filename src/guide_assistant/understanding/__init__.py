"""Reading a question: its language, intent, phase and relation, whether it refers back, whether the guides cover it."""
