#!/usr/bin/env python3
"""Validates exported cases against the generated JSON Schema files with Python's jsonschema.

A consumer outside JavaScript, run by src/json-schema-python.test.ts: it reads a JSON file of cases
({"id", "mode": "lenient" | "strict", "type": event name or null, "instance"}) and prints, for each
case, whether the union file and the event's own file accept it, and the paths of the errors.

usage: check_json_schema.py SCHEMA_DIR CASES_FILE
"""
import json
import sys
from importlib.metadata import version

INSTALL_HINT = "apt-get install -y python3-jsonschema"

try:
    from jsonschema import Draft202012Validator
except ImportError as error:
    sys.stderr.write(f"python3-jsonschema (draft 2020-12) is missing ({error}): {INSTALL_HINT}\n")
    sys.exit(3)

# "uri" is checked only when rfc3987 (a recommended package of python3-jsonschema) is present;
# without it signedUrl would go unchecked and the verdicts could not agree with zod
if "uri" not in Draft202012Validator.FORMAT_CHECKER.checkers:
    sys.stderr.write(f"jsonschema cannot check format uri: {INSTALL_HINT} python3-rfc3987\n")
    sys.exit(3)


def error_paths(error):
    """where an error is, with the missing or unexpected key appended, like zod's issue paths"""
    path = list(error.absolute_path)
    # a failed anyOf / oneOf is reported where it applies, and with each branch's errors (as ajv's
    # allErrors does), so the path zod names inside the branch it tried is among them
    if error.context:
        return [path] + [sub for branch_error in error.context for sub in error_paths(branch_error)]
    if error.validator == "required" and isinstance(error.instance, dict):
        return [path + [key] for key in error.validator_value if key not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return [path + [key] for key in error.instance if key not in known]
    return [path]


def verdict(validator, instance):
    paths = []
    for error in validator.iter_errors(instance):
        paths.extend(error_paths(error))
    return {"valid": not paths, "paths": paths}


def load(schema_dir, name):
    with open(f"{schema_dir}/{name}", encoding="utf-8") as file:
        schema = json.load(file)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if len(argv) == 2 else 2
    schema_dir, cases_file = argv[1], argv[2]
    with open(cases_file, encoding="utf-8") as file:
        cases = json.load(file)
    validators = {}

    def validator(name, mode):
        file_name = f"{name}.strict.schema.json" if mode == "strict" else f"{name}.schema.json"
        if file_name not in validators:
            validators[file_name] = load(schema_dir, file_name)
        return validators[file_name]

    results = []
    for case in cases:
        result = {"id": case["id"], "union": verdict(validator("webhook-event", case["mode"]), case["instance"])}
        if case.get("type"):
            result["event"] = verdict(validator(case["type"], case["mode"]), case["instance"])
        results.append(result)
    json.dump({"python": sys.version.split()[0], "jsonschema": version("jsonschema"), "results": results}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
