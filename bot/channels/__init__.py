"""How messages reach buyers: the platform's send API for messages that are not a direct reply."""
