"""After-sales: return, exchange and refund requests and their stages."""
