"""Signing a marketplace API request the way the Chinese open platforms do.

Taobao/Tmall (TOP), JD (京东宙斯/JOS), Pinduoduo and Douyin (抖店) all sign the same
shape of text: the request's parameters sorted by name (ASCII order), each name
written straight before its value, the whole wrapped in the app secret or not,
digested with MD5, HMAC-MD5 or HMAC-SHA256 and written as hex. What differs is
configuration, not code:

- ``algorithm``: ``md5`` (a plain digest of the text), ``hmac-md5`` or
  ``hmac-sha256`` (keyed with the app secret);
- ``wrap_with_secret``: the secret written before and after the text (TOP's md5,
  JD, Pinduoduo, Douyin's md5 and hmac-sha256) or not (TOP's hmac);
- ``signed_parameters``: every parameter (the default) or only those named (Douyin
  signs app_key, method, param_json, timestamp and v, not the access token);
- ``skip_empty``: parameters with an empty value left out of the text (TOP);
- ``hex_case``: ``upper`` (TOP, JD, Pinduoduo) or ``lower`` (Douyin);
- ``parameter``: the name the signature is sent under (``sign``).
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

ALGORITHMS = ("md5", "hmac-md5", "hmac-sha256")
HEX_CASES = ("upper", "lower")

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["algorithm", "wrap_with_secret", "hex_case", "parameter"],
    "properties": {
        "algorithm": {"enum": list(ALGORITHMS)},
        "wrap_with_secret": {"type": "boolean"},
        "signed_parameters": {"type": ["array", "null"], "maxItems": 50,
                              "items": {"type": "string", "minLength": 1, "maxLength": 64}},
        "skip_empty": {"type": "boolean"},
        "hex_case": {"enum": list(HEX_CASES)},
        "parameter": {"type": "string", "minLength": 1, "maxLength": 64},
    },
}


def signed_text(scheme: Mapping[str, Any], parameters: Mapping[str, str], secret: str) -> str:
    """The text that is digested: sorted name+value pairs, wrapped in the secret when the
    scheme says so. The signature's own parameter never takes part."""
    chosen = scheme.get("signed_parameters")
    names = sorted(name for name in parameters
                   if name != scheme["parameter"] and (chosen is None or name in chosen))
    text = "".join(name + parameters[name] for name in names
                   if not (scheme.get("skip_empty") and parameters[name] == ""))
    return secret + text + secret if scheme["wrap_with_secret"] else text


def signature(scheme: Mapping[str, Any], parameters: Mapping[str, str], secret: str) -> str:
    text = signed_text(scheme, parameters, secret).encode("utf-8")
    algorithm = scheme["algorithm"]
    if algorithm == "md5":
        digest = hashlib.md5(text, usedforsecurity=False).hexdigest()
    else:
        kind = hashlib.md5 if algorithm == "hmac-md5" else hashlib.sha256
        digest = hmac.new(secret.encode("utf-8"), text, kind).hexdigest()
    return digest.upper() if scheme["hex_case"] == "upper" else digest


def signed(scheme: Mapping[str, Any], parameters: Mapping[str, str],
           secret: str) -> dict[str, str]:
    """``parameters`` with the signature added under the scheme's parameter name."""
    return {**parameters, scheme["parameter"]: signature(scheme, parameters, secret)}
