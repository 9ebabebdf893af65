"""Staff accounts: users with roles, hashed passwords and API tokens."""
