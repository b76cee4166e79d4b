"""The language a page speaks: English, or Chinese for a browser that asks for it.

User-facing text is marked with Flask-Babel's ``gettext``; the Chinese catalog is
``translations/zh/LC_MESSAGES/messages.po``, compiled to the ``.mo`` beside it that
ships in the package (see docs/translating.md). Text not in the catalog stays
English, so pages can be translated one at a time.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, request
from flask_babel import Babel

LANGUAGES = ["en", "zh"]
DEFAULT = "en"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def language() -> str:
    """English unless the browser prefers Chinese (a zh-CN preference counts as zh)."""
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=language, default_locale=DEFAULT,
          default_translation_directories=str(TRANSLATIONS))
