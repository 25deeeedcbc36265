"""What every generated model shares: strict JSON types (no "1" for 1), unknown fields kept, and the
refusal of a null where the schema takes a value or nothing."""

import re
from typing import Annotated, Any, ClassVar, FrozenSet

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):(.*)$", re.DOTALL)
_SPECIAL_SCHEMES = {"http", "https", "ws", "wss", "ftp", "file"}
_BAD_HOST = set(" <>^|%\"`{}")


def is_url(value: str) -> bool:
    """What the WHATWG URL parser (zod's z.url()) accepts where it matters here: a scheme, and a host for
    the special schemes; surrounding whitespace, and tabs or newlines inside, are ignored as it does."""
    trimmed = re.sub(r"[\t\n\r]", "", value.strip())
    match = _SCHEME.match(trimmed)
    if not match:
        return False
    scheme = match.group(1).lower()
    if scheme not in _SPECIAL_SCHEMES or scheme == "file":
        return True
    rest = match.group(2).lstrip("/\\")
    host = re.split(r"[/\\?#]", rest, maxsplit=1)[0].rsplit("@", 1)[-1]
    return host != "" and not (set(host) & _BAD_HOST)


def _check_url(value: str) -> str:
    if not is_url(value):
        raise ValueError("expected a URL")
    return value


Url = Annotated[str, AfterValidator(_check_url)]
"""a string the WHATWG URL parser accepts, kept as sent"""


class LenientModel(BaseModel):
    """Base of the lenient models; the strict ones subclass those and close their objects."""

    model_config = ConfigDict(strict=True, extra="allow", regex_engine="python-re")

    _not_null: ClassVar[FrozenSet[str]] = frozenset()

    @model_validator(mode="before")
    @classmethod
    def _refuse_null(cls, data: Any) -> Any:
        if isinstance(data, dict):
            nulls = sorted(key for key in cls._not_null if key in data and data[key] is None)
            if nulls:
                raise ValueError(f"null is not allowed for {', '.join(nulls)}")
        return data
