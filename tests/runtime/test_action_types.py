"""Every action type the designer offers is carried out by the runtime."""
from __future__ import annotations

from orderloom.designer.actions import TYPES
from orderloom.runtime.engine.actions import behaviours


def test_the_runtime_carries_out_every_action_type_the_designer_offers():
    # A type without a runtime class would be published and then only noted on the
    # timeline as "not carried out".
    assert sorted(behaviours()) == sorted(TYPES)
    for name, behaviour in behaviours().items():
        assert isinstance(behaviour, type(TYPES[name])), name
