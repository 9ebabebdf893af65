"""Handing a conversation to shop staff: the queue of cases waiting for a human."""
