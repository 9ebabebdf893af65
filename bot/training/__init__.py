"""Training and evaluating 小二's Rasa model."""
