"""A browser's User-Agent header in words a person recognises: ("Firefox", "Windows").

A handful of patterns, not a full parser: the "My sessions" page needs "which of my devices is
this", and the header is whatever the client chose to send. Order matters: Edge, Opera and
Yandex Browser also say "Chrome", Chrome also says "Safari", and Android also says "Linux".
"""

from __future__ import annotations

import re

_BROWSERS = (
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Yandex Browser", re.compile(r"\bYaBrowser/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("Chromium", re.compile(r"\bChromium/")),
    ("Chrome", re.compile(r"\b(?:Headless)?Chrome/|\bCriOS/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"^python-", re.IGNORECASE)),
)
_SYSTEMS = (
    ("Windows", re.compile(r"\bWindows\b")),
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("macOS", re.compile(r"\bMac OS X\b|\bMacintosh\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Linux", re.compile(r"\bLinux\b|\bX11\b")),
)


def describe(user_agent: str | None) -> tuple[str | None, str | None]:
    """(browser, system), each None when not recognised."""
    text = user_agent or ""
    browser = next((name for name, pattern in _BROWSERS if pattern.search(text)), None)
    system = next((name for name, pattern in _SYSTEMS if pattern.search(text)), None)
    return browser, system
