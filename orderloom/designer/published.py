"""The compiled blueprint of each published version, kept per process.

Versions never change, so a blueprint compiled once stays right; the key
includes the publication time so that different databases in one process
(tests, several workspaces) cannot share an entry by id alone.
"""
from __future__ import annotations

from collections import OrderedDict

from orderloom.designer.blueprint import Blueprint, published_blueprint
from orderloom.designer.models import DefinitionVersion

_CACHE: OrderedDict[tuple, Blueprint] = OrderedDict()
_SIZE = 512


def blueprint_for(version: DefinitionVersion) -> Blueprint:
    key = (version.id, version.published_at.isoformat())
    blueprint = _CACHE.get(key)
    if blueprint is None:
        blueprint = published_blueprint(version.definition)
        _CACHE[key] = blueprint
        if len(_CACHE) > _SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return blueprint
