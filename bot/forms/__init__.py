"""What the bot's forms ask next: pure decisions shared by every form (see ``questions``)."""
