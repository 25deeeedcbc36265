"""Typed OmniAI webhook events, generated from the zod schemas of @omni-webhooks/schema.

    event = parse_event(body)            # lenient: what a production receiver should accept
    event = parse_event(body, strict=True)  # strict: contract tests
"""

from . import models, strict
from ._parse import EventValidationError, UnknownEvent, parse_event
from ._verify import SIGNATURE_TOLERANCE_SECONDS, SignatureError, verify_secret, verify_signature
from ._version import __version__
from .models import *  # noqa: F401,F403 (the event models and enum aliases)
from .models import __all__ as _model_names

__all__ = [
    "EventValidationError",
    "SIGNATURE_TOLERANCE_SECONDS",
    "SignatureError",
    "UnknownEvent",
    "__version__",
    "models",
    "parse_event",
    "strict",
    "verify_secret",
    "verify_signature",
    *_model_names,
]
