"""Where channels have always found sealing: the module now lives in
``orderloom/runtime/sealing.py``, shared with carriers' credentials."""
from orderloom.runtime.sealing import (  # noqa: F401
    PREFIX,
    PURPOSE,
    SealError,
    is_sealed,
    masked,
    seal,
    seal_json,
    unseal,
    unseal_json,
)
