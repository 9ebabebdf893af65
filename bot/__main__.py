"""Entry point for ``python -m bot``."""

import os
import sys

from bot.cli import main

if __name__ == "__main__":
    # Everything the bot writes under var/ — the CRM and conversation databases, generated keys, the endpoints
    # file with the action server's token — is the shop's buyers' data or a secret: readable by its owner only.
    os.umask(0o077)
    sys.exit(main())
