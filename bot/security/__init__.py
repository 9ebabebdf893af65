"""What keeps strangers out: lock-outs after repeated failures (identity checks, console sign-in)."""
