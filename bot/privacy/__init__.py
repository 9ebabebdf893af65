"""How long buyers' words are kept: the retention job (``python -m bot privacy prune``)."""
