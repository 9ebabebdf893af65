"""Customer care between purchases: proactive messages (``job``), their rules (``rules``, ``policy``),
the events that call for them (``events``) and the reply standard for buyers waiting on staff (``replies``)."""
