"""Runtime settings, read from the environment once so every part agrees on them.

Only a few knobs exist on purpose: the CRM database, the Rasa/action-server/console
ports, the address they listen on (BIND_HOST, loopback by default) and where models live (the keys are
bot.runtime.keys'; the console also reads PLATFORM_SEND_URL). Everything has a working default for `make run`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'crm.db'}"


@dataclass(frozen=True)
class Settings:
    """Process-wide configuration (see the README's configuration table)."""

    database_url: str
    rasa_port: int
    action_port: int
    models_dir: Path
    action_server_url: str
    console_port: int = 5002
    bind_host: str = "127.0.0.1"  # where every server listens: loopback unless BIND_HOST says otherwise
    production: bool = False  # XIAOER_ENV=production: keys and the platform's send API must be given, no demo parts

    @classmethod
    def from_env(cls) -> "Settings":
        action_port = int(os.environ.get("ACTION_PORT", "5055"))
        return cls(
            database_url=os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
            rasa_port=int(os.environ.get("RASA_PORT", "5005")),
            action_port=action_port,
            models_dir=Path(os.environ.get("MODELS_DIR", PROJECT_ROOT / "models")),
            action_server_url=os.environ.get("ACTION_SERVER_URL", f"http://127.0.0.1:{action_port}/webhook"),
            console_port=int(os.environ.get("CONSOLE_PORT", "5002")),
            bind_host=os.environ.get("BIND_HOST", "").strip() or "127.0.0.1",
            production=os.environ.get("XIAOER_ENV", "").strip().lower() == "production",
        )


def get_settings() -> Settings:
    """Settings for this process; re-read each call so tests can change the env."""
    return Settings.from_env()
