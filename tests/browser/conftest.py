"""A real headless Chromium (Debian's chromium + chromium-driver, installed by `make browser`) on the running bot."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest

from bot.settings import PROJECT_ROOT
from tests.integration.conftest import platform, running_bot, staff_token  # noqa: F401 - the same running bot

SCREENSHOTS = PROJECT_ROOT / "var" / "results" / "browser"


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not binary or not driver_path:
        pytest.fail("the browser test needs Debian's chromium and chromium-driver: run `make browser`", pytrace=False)
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
