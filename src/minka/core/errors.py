"""The one domain error type that services raise.

The message is translatable and, where the error is about one input, `field` names it so forms,
the API and importers can attach it to the right place.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    def __init__(self, message: Any, *, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return str(self.message)
