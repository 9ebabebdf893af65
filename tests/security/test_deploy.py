"""deploy/ can work as written (issue 15, finding 8): separate services on a private network with only nginx
published, TLS at nginx with Secure cookies, and a production start refused without its keys and a real platform
send API. nginx's own config test runs when nginx is installed (`make test` installs Debian's nginx-light)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
BOT_SERVICES = ["migrate", "actions", "rasa1", "rasa2", "console", "care"]
SECRETS = ["SHOP_WEBHOOK_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN", "POSTGRES_PASSWORD", "PLATFORM_SEND_URL"]


def test_only_nginx_is_published() -> None:
    published = {name for name, service in SERVICES.items() if service.get("ports")}
    assert published == {"nginx"}
    assert all("network_mode" not in service for service in SERVICES.values())


def test_the_backend_network_is_private_and_holds_the_data_and_the_action_server() -> None:
    assert COMPOSE["networks"]["backend"].get("internal") is True
    for name in ("postgres", "redis", "actions", "migrate"):
        assert SERVICES[name]["networks"] == ["backend"], name
    assert SERVICES["nginx"]["networks"] == ["edge"]  # nginx reaches only what it proxies


def test_rasa_actions_and_console_run_as_separate_services_in_production_mode() -> None:
    commands = {name: " ".join(SERVICES[name]["command"]) for name in BOT_SERVICES}
    assert commands["actions"].endswith("serve --only actions") and commands["console"].endswith("serve --only console")
    assert commands["rasa1"].endswith("serve --only rasa") and commands["rasa2"].endswith("serve --only rasa")
    for name in BOT_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["XIAOER_ENV"] == "production", name
        for secret in ("SHOP_WEBHOOK_SECRET", "RASA_TOKEN", "ACTION_SERVER_TOKEN", "PLATFORM_SEND_URL"):
            assert re.fullmatch(rf"\$\{{{secret}:\?[^}}]+\}}", environment[secret]), (name, secret)  # compose refuses it unset
    assert SERVICES["console"]["environment"]["CONSOLE_SECURE_COOKIES"] == "1"


def test_every_secret_is_required_and_none_is_committed() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    for secret in SECRETS:
        assert f"${{{secret}:?" in text and not re.search(rf"\${{{secret}(:-|\}})", text), secret
    ignored = (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()
    assert {"*.pem", "*.key", ".env"} <= set(ignored)


NGINX = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")


def test_nginx_serves_tls_redirects_http_and_exposes_only_the_signed_webhook() -> None:
    servers = re.split(r"\nserver \{", NGINX)[1:]
    plain = next(s for s in servers if "listen 80;" in s)
    assert "return 301 https://" in plain and "proxy_pass" not in plain
    secure = next(s for s in servers if "listen 443 ssl" in s)
    assert "ssl_certificate     /etc/nginx/certs/fullchain.pem" in secure and "Strict-Transport-Security" in secure
    assert "proxy_cookie_flags ~ secure" in secure and "client_max_body_size 64k" in secure
    assert "location = /webhooks/shop/webhook { proxy_pass http://rasa;" in secure
    assert re.search(r"location /webhooks/ \{ return 404; \}", secure) and re.search(r"location /demo/\s+\{ return 404; \}", secure)
    assert "5055" not in NGINX  # the action server is nobody's business outside


def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    nginx, openssl = shutil.which("nginx") or "/usr/sbin/nginx", shutil.which("openssl")
    if not Path(nginx).exists() or not openssl:
        pytest.fail("the deploy test needs Debian's nginx-light and openssl: run `make tools` (make test does)", pytrace=False)
    certs = tmp_path / "certs"
    certs.mkdir()
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=xiaoer.test",
                    "-keyout", str(certs / "privkey.pem"), "-out", str(certs / "fullchain.pem")], check=True, capture_output=True)
    site = NGINX.replace("/etc/nginx/certs", str(certs))
    for host in ("rasa1", "rasa2", "console"):  # compose's service names resolve only inside compose
        site = re.sub(rf"\bserver {host}:", "server 127.0.0.1:", site)
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "logs").mkdir()
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/logs/error.log;\nevents {{}}\n"
        f"http {{\n  access_log off;\n  client_body_temp_path {tmp_path};\n  include {tmp_path}/site.conf;\n}}\n",
        encoding="utf-8",
    )
    checked = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                             capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("missing", "named"),
    [("PLATFORM_SEND_URL", "PLATFORM_SEND_URL"), ("RASA_TOKEN", "RASA_TOKEN"), ("ACTION_SERVER_TOKEN", "ACTION_SERVER_TOKEN")],
)
def test_production_refuses_to_start_without_its_keys_or_a_real_send_api(tmp_path: Path, missing: str, named: str) -> None:
    env = dict(os.environ, XIAOER_ENV="production", DATABASE_URL=f"sqlite:///{tmp_path / 'crm.db'}",
               SHOP_WEBHOOK_SECRET="s", RASA_TOKEN="r", ACTION_SERVER_TOKEN="a", PLATFORM_SEND_URL="https://platform.example/send")
    env.pop(missing)
    started = subprocess.run([sys.executable, "-m", "bot", "serve"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert started.returncode == 1 and named in started.stderr, started.stderr[-500:]


def test_production_never_points_at_the_demo_inbox(tmp_path: Path) -> None:
    from bot.runtime.serve import production_problems
    from bot.settings import Settings

    settings = Settings("sqlite://", 5005, 5055, tmp_path, "http://127.0.0.1:5055/webhook", production=True)
    keys = {"SHOP_WEBHOOK_SECRET": "s", "RASA_TOKEN": "r", "ACTION_SERVER_TOKEN": "a"}
    assert production_problems(settings, {**keys, "PLATFORM_SEND_URL": "http://127.0.0.1:5002/demo/platform/send"})
    assert production_problems(settings, {**keys, "PLATFORM_SEND_URL": "https://platform.example/send"}) == []
