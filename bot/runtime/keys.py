"""The stack's shared keys: the platform's webhook secret, Rasa's API token and the action server's token.

Each comes from its environment variable, or — so that a plain ``make run`` is closed to strangers
too — from a file under ``var/`` generated once (32 random bytes, mode 0600) by the first process
that needs it. ``serve`` resolves all three before it starts the servers and hands them on in the
environment; tools run on their own (the terminal chat, the care job from cron, a model rollback)
read the same files, so every caller on this machine holds the key of the running stack.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

from bot.settings import VAR_DIR


@dataclass(frozen=True)
class Key:
    env: str  # the variable that sets it (production)
    file: str  # the file under var/ it is generated into otherwise


WEBHOOK_SECRET = Key("SHOP_WEBHOOK_SECRET", "webhook_secret")
RASA_TOKEN = Key("RASA_TOKEN", "rasa_token")
ACTION_TOKEN = Key("ACTION_SERVER_TOKEN", "action_token")
ALL_KEYS = (WEBHOOK_SECRET, RASA_TOKEN, ACTION_TOKEN)

#: The header that carries the action server's token in Rasa's calls (endpoints.yml ``headers``).
ACTION_TOKEN_HEADER = "X-Xiaoer-Action-Token"


def private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` readable by the owner only (0600), whatever the umask."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)  # an existing file keeps its old mode through O_CREAT


def key_value(key: Key, folder: Optional[Path] = None) -> str:
    """The key from its variable, else from ``var/<file>``, generated there the first time."""
    value = os.environ.get(key.env, "").strip()
    if value:
        return value
    path = (folder or VAR_DIR) / key.file
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two processes starting together agree on one key
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text(encoding="utf-8").strip()


#: What var/ holds that is nobody else's business: the keys, the databases and their journals, the endpoints file.
PRIVATE_PATTERNS = ("*.db", "*.db-wal", "*.db-shm", "*.db-journal", "endpoints.yml", *(key.file for key in ALL_KEYS))


def tighten(folder: Optional[Path] = None) -> List[Path]:
    """Make var/'s private files readable by their owner only (0600): files from before the bot set its umask,
    or copied in. Returns the files it changed."""
    changed = []
    folder = folder or VAR_DIR
    for pattern in PRIVATE_PATTERNS:
        for path in folder.glob(pattern):
            if path.is_file() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
                changed.append(path)
    return changed


def keys_env(folder: Optional[Path] = None) -> Dict[str, str]:
    """Every key as the environment of the servers ``serve`` starts."""
    return {key.env: key_value(key, folder) for key in ALL_KEYS}
