"""The Chinese catalog that ships is the one translators edit, and it covers the text
the code marks for translation."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from orderloom.platform.i18n import TRANSLATIONS

ROOT = Path(__file__).resolve().parent.parent.parent
ZH = TRANSLATIONS / "zh" / "LC_MESSAGES"


def _one(text):
    """A message's text, or its plural forms as a tuple."""
    return text if isinstance(text, str) else tuple(text)


def _texts(catalog) -> dict:
    return {_one(message.id): _one(message.string) for message in catalog if message.id}


def test_the_shipped_mo_is_compiled_from_the_po():
    # Edit the .po and forget to compile: the pages would show the old Chinese.
    with open(ZH / "messages.po", "rb") as po, open(ZH / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    assert _texts(compiled) == _texts(source)


def test_every_marked_text_has_a_chinese_translation():
    with open(ZH / "messages.po", "rb") as po:
        catalog = read_po(po)
    translated = {key for key, text in _texts(catalog).items()
                  if text and (isinstance(text, str) or all(text))}
    assert not any(message.fuzzy for message in catalog if message.id)
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None}
    marked = {_one(message) for _file, _line, message, _comments, _context in extract_from_dir(
                  ROOT / "orderloom", method_map=[("**.py", "python")], keywords=keywords)}
    assert marked - translated == set(), "run the commands in docs/translating.md"
