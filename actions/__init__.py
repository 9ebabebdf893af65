"""小二's custom Rasa actions, grouped by domain; the logic lives in ``bot``.

Importing the modules registers their actions with the rasa_sdk action server.
"""

from actions import care, chitchat, orders, support  # noqa: F401
