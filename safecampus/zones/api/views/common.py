"""What every zone endpoint shares: the schema's small helpers (those of ``core.api``)."""

from safecampus.core.api import error, key, who

__all__ = ["error", "key", "who"]
