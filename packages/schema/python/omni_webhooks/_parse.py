"""parse_event: a webhook body to its typed event, lenient (production) or strict (contract tests)."""

import json
from typing import Any, Dict, List, Union

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from . import models, strict as strict_models


class UnknownEvent(BaseModel):
    """An event whose name this version does not know (lenient parsing only): every field kept as sent."""

    model_config = ConfigDict(extra="allow")

    event: str


class EventValidationError(ValueError):
    """A refused payload; `issues` lists each reason as {"path": [...], "message": "..."}."""

    def __init__(self, issues: List[Dict[str, Any]]):
        self.issues = issues
        where = "; ".join(
            f"{'.'.join(str(key) for key in issue['path']) or '(root)'}: {issue['message']}" for issue in issues
        )
        super().__init__(f"invalid event: {where}")


def _number(text: str) -> Union[int, float]:
    # 2.0 and 2e0 are the JSON value 2, which zod takes as an integer: strict ints must too
    number = float(text)
    return int(number) if number.is_integer() and abs(number) <= 2**53 else number


_ADAPTERS = {False: TypeAdapter(models.WebhookEvent), True: TypeAdapter(strict_models.WebhookEvent)}


def parse_event(
    data: Union[bytes, str, Dict[str, Any]], *, strict: bool = False
) -> Union[models.WebhookEvent, UnknownEvent]:
    """Parse a webhook body (the raw bytes, their text, or the decoded dict).

    Lenient (the default) keeps unknown fields and enum values and gives UnknownEvent for an event name
    this version does not know; strict refuses all three, like the strict zod schema. Both raise
    EventValidationError for what no drift explains (a missing id, a wrong JSON type). Strict parsing
    returns the classes of omni_webhooks.strict, subclasses of the lenient ones.
    """
    if isinstance(data, (bytes, bytearray, str)):
        try:
            data = json.loads(data, parse_float=_number)
        except ValueError as error:
            raise EventValidationError([{"path": [], "message": f"not JSON: {error}"}]) from error
    if not isinstance(data, dict):
        raise EventValidationError([{"path": [], "message": "expected a JSON object"}])
    name = data.get("event")
    if not isinstance(name, str):
        raise EventValidationError([{"path": ["event"], "message": "expected the event name, a string"}])
    if name not in models.EVENT_MODELS:
        if strict:
            known = ", ".join(models.EVENT_MODELS)
            raise EventValidationError([{"path": ["event"], "message": f"unknown event {name!r}, expected one of {known}"}])
        return UnknownEvent.model_validate(data)
    try:
        return _ADAPTERS[strict].validate_python(data)
    except ValidationError as error:
        issues = [
            {"path": [key for key in issue["loc"] if key != name], "message": issue["msg"]}
            for issue in error.errors(include_url=False)
        ]
        raise EventValidationError(issues) from error
