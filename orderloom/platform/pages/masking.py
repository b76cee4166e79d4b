"""What the public tracking page shows of people: masked so the recipient recognises
the parcel and a stranger who found a link learns too little to use.

Names become initials, phones keep their ends, an address only its province and
city. Free text from a carrier or typed by staff (an event's place) can hold a
name, a phone or a street: the recipient's own are found and masked wherever they
appear, and so are phone-like digit runs, mail addresses and names after the words
carriers put before a person ("signed by", "签收人", ...).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

PLACE_LENGTH = 100
# A run of at least seven digits, possibly split by spaces, dots or dashes: a phone.
_PHONE_LIKE = re.compile(r"\+?\d(?:[\s.\-]?\d){6,}")
_MAIL = re.compile(r"[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+")
# Words carriers write before a person's name; the name that follows is masked.
_PERSON_BEFORE = re.compile(
    r"(?i)((?:signed\s+(?:for\s+)?by|received\s+by|recipient|receiver|courier|driver|"
    r"contact|签收人|收件人|派件员|快递员|联系人|代收人?|签收)\s*[:：]?\s*)"
    r"([^\s,，;；:：()（）\d]+(?:\s+[A-Z][^\s,，;；:：()（）\d]*)?)")
_ADDRESS_PARTS = ("street", "district", "line1", "line2", "address", "detail", "door",
                  "building", "room")


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def mask_name(name: str) -> str:
    """ "Zhang Wei" -> "Z*** W***"; "张伟" -> "张*": enough for the recipient to
    recognise, too little for a stranger to learn."""
    words = str(name or "").split()
    masked = []
    for word in words:
        if _wide(word[0]):
            masked.append(word[0] + "*" * max(len(word) - 1, 1))
        else:
            masked.append(word[0] + "***")
    return " ".join(masked)


def mask_phone(phone: str) -> str:
    """ "13812345678" -> "138****5678"; shorter numbers keep only their last two digits."""
    digits = "".join(c for c in str(phone or "") if c.isdigit())
    if not digits:
        return ""
    if len(digits) >= 9:
        return digits[:3] + "****" + digits[-4:]
    return "*" * max(len(digits) - 2, 1) + digits[-2:]


def masked_place(address: dict[str, Any]) -> str:
    """Province and city only: the street and the door stay private."""
    province, city = (address or {}).get("province"), (address or {}).get("city")
    if province and city and province != city:
        return f"{province}, {city}"
    return str(province or city or "")


def _hide_digits(match: re.Match[str]) -> str:
    # Free text has no "own" number to recognise: only the last two digits stay.
    digits = re.sub(r"\D", "", match.group(0))
    return "*" * (len(digits) - 2) + digits[-2:]


def _hide_mail(match: re.Match[str]) -> str:
    local, _at, domain = match.group(0).partition("@")
    return f"{local[:1]}***@{domain}"


def mask_free_text(text: str, recipient: dict[str, Any] | None = None,
                   length: int = PLACE_LENGTH) -> str:
    """``text`` on one line, at most ``length`` characters, with the recipient's name,
    phone and street masked and any other phone, mail address or named person too."""
    plain = " ".join("".join(c if c.isprintable() else " " for c in str(text or "")).split())
    plain = _MAIL.sub(_hide_mail, plain)
    recipient = recipient or {}
    name = str(recipient.get("name") or "").strip()
    if len(name) >= 2:
        plain = re.sub(re.escape(name), mask_name(name), plain, flags=re.IGNORECASE)
        for word in name.split():
            if len(word) >= 3:
                plain = re.sub(rf"\b{re.escape(word)}\b", mask_name(word), plain,
                               flags=re.IGNORECASE)
    address = recipient.get("address") or {}
    for part in _ADDRESS_PARTS:
        value = str(address.get(part) or "").strip()
        if len(value) >= 3:
            plain = re.sub(re.escape(value), "***", plain, flags=re.IGNORECASE)
    plain = _PHONE_LIKE.sub(_hide_digits, plain)
    plain = _PERSON_BEFORE.sub(lambda m: m.group(1) + mask_name(m.group(2)), plain)
    return plain[:length]
