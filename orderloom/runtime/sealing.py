"""Secrets kept encrypted with the instance's secret key: store secrets and API
credentials of channels, carriers' account keys.

A webhook secret must be kept as such (verifying an HMAC needs the key itself), so
it is encrypted rather than hashed: Fernet (AES-128-CBC with an HMAC-SHA256 tag,
from the ``cryptography`` package) with a key derived from ``ORDERLOOM_SECRET_KEY``
by HKDF. A copy of the database alone then gives no store's secret away.

Sealed values start with ``fernet:``. After a key rotation, values sealed under a key
now listed in ``ORDERLOOM_SECRET_KEY_FALLBACKS`` still open. A channel or carrier made
before secrets were sealed holds its secret as it is, and ``unseal`` answers such a
value unchanged, so it keeps working.
"""
from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "fernet:"
# Names what the derived key is for, so the same instance key used elsewhere (Flask's
# session cookies) never yields the same bytes. It still says "channel": values sealed
# before carriers shared this module must keep opening.
PURPOSE = b"orderloom channel secrets"


# Keys the instance signed and sealed with before a rotation (ORDERLOOM_SECRET_KEY_FALLBACKS),
# set once per process at start-up: values sealed under them still open. New values are
# always sealed with the current key.
_old_keys: tuple[str, ...] = ()


def accept_old_keys(keys: tuple[str, ...]) -> None:
    global _old_keys
    _old_keys = tuple(keys)


class SealError(ValueError):
    """A sealed value that this instance's key cannot open (the key was changed)."""


def _box(instance_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=PURPOSE).derive(instance_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(derived))


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def seal(instance_key: str, text: str) -> str:
    return PREFIX + _box(instance_key).encrypt(text.encode("utf-8")).decode("ascii")


def unseal(instance_key: str, stored: str) -> str:
    if not is_sealed(stored):
        return stored
    token = stored[len(PREFIX):].encode("ascii")
    for key in (instance_key, *_old_keys):
        try:
            return _box(key).decrypt(token).decode("utf-8")
        except InvalidToken:
            continue
    raise SealError("a stored secret cannot be read with this instance's secret key "
                    "(ORDERLOOM_SECRET_KEY was changed); enter the secret again")


def seal_json(instance_key: str, value: dict[str, Any]) -> str:
    return seal(instance_key, json.dumps(value, sort_keys=True))


def unseal_json(instance_key: str, stored: str | None) -> dict[str, Any]:
    if not stored:
        return {}
    return json.loads(unseal(instance_key, stored))


def masked(text: str | None) -> str | None:
    """What pages and the API show of a secret: only that there is one."""
    return "••••••••" if text else None
