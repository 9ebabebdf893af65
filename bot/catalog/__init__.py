"""The shop's catalogue as buyers ask about it (price, sizes in stock, return eligibility)."""
