"""The staff side: an aiohttp app serving the staff HTTP API (and, later, the console pages)."""
