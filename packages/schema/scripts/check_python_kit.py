"""Runs the cases @omni-webhooks/schema's tests export through the Python kit (packages/schema/python):
each body parsed lenient and strict, each signature and secret case verified; prints one JSON report.

usage: python3 scripts/check_python_kit.py CASES.json
"""

import json
import sys
from pathlib import Path

if len(sys.argv) != 2 or sys.argv[1] == "--help":
    print(__doc__.strip())
    sys.exit(0 if sys.argv[1:] == ["--help"] else 2)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "python"))

import pydantic  # noqa: E402

import omni_webhooks  # noqa: E402
from omni_webhooks import EventValidationError, SignatureError, UnknownEvent, parse_event, verify_secret, verify_signature  # noqa: E402


def verdict(body, strict):
    try:
        event = parse_event(body, strict=strict)
    except EventValidationError as error:
        return {"ok": False, "error": str(error)}
    dumped = event.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return {
        "ok": True,
        "type": event.event,
        "unknown": isinstance(event, UnknownEvent),
        "class": type(event).__name__,
        "json": json.dumps(dumped),
    }


def signature(case):
    try:
        verify_signature(case["headers"], case["body"].encode("utf-8"), case["keys"], now=case["now"])
        return {"id": case["id"], "ok": True}
    except SignatureError as error:
        return {"id": case["id"], "ok": False, "error": f"{error.code}: {error}"}


cases = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
report = {
    "runtime": f"python {sys.version.split()[0]}, pydantic {pydantic.VERSION}, omni_webhooks {omni_webhooks.__version__}",
    "cases": [
        {"id": case["id"], "lenient": verdict(case["body"], False), "strict": verdict(case["body"], True)}
        for case in cases.get("cases", [])
    ],
    "signatures": [signature(case) for case in cases.get("signatures", [])],
    "secrets": [
        {"id": case["id"], "ok": verify_secret(case["got"], case["secrets"])} for case in cases.get("secrets", [])
    ],
}
json.dump(report, sys.stdout)
