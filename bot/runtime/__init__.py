"""Running 小二: the Rasa server and the action server, and a terminal chat client."""
