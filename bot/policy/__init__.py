"""The shop's after-sales policy: one file the owner edits (shop_policy.yml) and pure decisions on it."""
