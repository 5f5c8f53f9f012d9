"""One module per intent: how an answer of that kind is shaped from the evidence (``compose(ev, ctx)``)."""
