"""``python -m bot.runtime.rasa_main …``: Rasa's own command line with 小二's runtime fixes applied."""

from bot.runtime.patches import apply

apply()

if __name__ == "__main__":
    from rasa.__main__ import main

    main()
