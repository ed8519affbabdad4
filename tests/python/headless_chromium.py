"""Debian's Chromium, headless, driven by Selenium: the one set-up the dashboard's browser test and
bench/dashboard.py share (no pytest here, so the bench can import it)."""
from __future__ import annotations

import pathlib

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

CHROMIUM = pathlib.Path("/usr/bin/chromium")
CHROMEDRIVER = pathlib.Path("/usr/bin/chromedriver")


def start(page_load_seconds: float) -> webdriver.Chrome:
    """A headless Chromium at 1280×800 whose console log the caller can read."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800",
                     "--disable-extensions", "--no-first-run", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(page_load_seconds)
    return driver
