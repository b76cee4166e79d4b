"""The compiled blueprint of each published version, kept per process.

Versions never change, so a blueprint compiled once stays right; the key
includes the publication time so that different databases in one process
(tests, several workspaces) cannot share an entry by id alone.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from orderloom.designer.blueprint import Blueprint, published_blueprint
from orderloom.designer.models import DefinitionVersion

_CACHE: OrderedDict[tuple, Blueprint] = OrderedDict()
_SIZE = 512


def blueprint_for(version: DefinitionVersion) -> Blueprint:
    return _blueprint(version.id, version.published_at, lambda: version)


def blueprint_of(session: Session, version_id: int, published_at: datetime) -> Blueprint:
    """The blueprint of the version ``version_id``, read from the database only when this
    process has not compiled it yet: its definition is the largest row an order points
    to, and a job that only needs the blueprint should not load it every time."""
    return _blueprint(version_id, published_at,
                      lambda: session.get(DefinitionVersion, version_id))


def _blueprint(version_id: int, published_at: datetime,
               load: Callable[[], DefinitionVersion]) -> Blueprint:
    key = (version_id, published_at.isoformat())
    blueprint = _CACHE.get(key)
    if blueprint is None:
        blueprint = published_blueprint(load().definition)
        _CACHE[key] = blueprint
        if len(_CACHE) > _SIZE:
            _CACHE.popitem(last=False)
    else:
        _CACHE.move_to_end(key)
    return blueprint
