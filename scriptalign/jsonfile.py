"""Reading the project's JSON files, with errors that name the file and line (or field).

Each JSON format the project writes has a published JSON Schema (``scriptalign/data/schemas/``,
linked from ``docs/schemas/``); a reader names the schema and gets an ``InputError`` naming the file
and the first field that does not fit, instead of a ``TypeError`` deep inside the code.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path

from scriptalign.errors import InputError

#: The published schemas, by name (file ``<name>.schema.json``).
SCHEMAS = ("alignment", "labels", "tracks", "assignments", "evaluation", "truth", "batch")


def schema_path(name: str) -> Path:
    """The JSON Schema file of one of the project's formats (see ``SCHEMAS``)."""
    if name not in SCHEMAS:
        raise KeyError(f"no schema {name!r} (known: {', '.join(SCHEMAS)})")
    return Path(str(resources.files("scriptalign") / "data" / "schemas" / f"{name}.schema.json"))


_TYPES = {  # no more lenient than JSON Schema's types, for values parsed from JSON
    "number": lambda x: type(x) in (int, float),
    "integer": lambda x: type(x) is int,
    "string": lambda x: type(x) is str,
    "boolean": lambda x: type(x) is bool,
    "null": lambda x: x is None,
}


def _predicate(schema: dict):
    """A plain function that accepts at most what ``schema`` accepts, for the simple schemas of
    per-frame arrays (a type, or an array of them with a length range); None for any other schema."""
    if not isinstance(schema, dict):
        return None
    if set(schema) == {"type"}:
        kinds = [schema["type"]] if isinstance(schema["type"], str) else list(schema["type"])
        if not all(k in _TYPES for k in kinds):
            return None
        tests = [_TYPES[k] for k in kinds]
        return tests[0] if len(tests) == 1 else (lambda x: any(t(x) for t in tests))
    if schema.get("type") == "array" and "items" in schema and set(schema) <= {"type", "items", "minItems", "maxItems"}:
        inner = _predicate(schema["items"])
        if inner is None:
            return None
        lo, hi = schema.get("minItems", 0), schema.get("maxItems", float("inf"))
        return lambda x: type(x) is list and lo <= len(x) <= hi and all(map(inner, x))
    return None


@lru_cache(maxsize=None)
def _validator(name: str):
    """The schema's validator; ``items`` of simple types are checked by a plain loop first (tracks.json
    holds a box per frame: per-item validation would take seconds), and only an array that fails
    it is walked item by item, for the exact error."""
    from jsonschema import Draft202012Validator, validators

    schema = json.loads(schema_path(name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    items = Draft202012Validator.VALIDATORS["items"]
    predicates: dict[int, object] = {}

    def fast_items(validator, item_schema, instance, parent):
        if type(instance) is list and "prefixItems" not in parent:
            key = id(item_schema)
            if key not in predicates:
                predicates[key] = _predicate(item_schema)
            test = predicates[key]
            if test is not None and all(map(test, instance)):
                return
        yield from items(validator, item_schema, instance, parent)

    cls = validators.extend(Draft202012Validator, {"items": fast_items})
    return cls(schema)


def _field(parts) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "the document"


def validate(doc: object, schema: str, path: str | Path | None = None, expected: str | None = None) -> None:
    """Check ``doc`` against the named schema; InputError naming the file, the field and the problem.

    A document of another format or version is refused by its ``schema`` field first."""
    from jsonschema.exceptions import best_match

    validator = _validator(schema)
    declared = validator.schema["properties"]["schema"]["const"]
    if not isinstance(doc, dict):
        raise InputError(f"not a JSON object (a {type(doc).__name__})", path, expected=expected or declared)
    if "schema" in doc and doc["schema"] != declared:
        raise InputError(f"schema is {doc['schema']!r}", path, expected=declared)
    error = best_match(validator.iter_errors(doc))
    if error is not None:
        field = _field(error.absolute_path)
        raise InputError(f"field {field}: {error.message}", path,
                         expected=expected or f"a {declared} document (docs/schemas/{schema}.schema.json)")


def read_json(path: str | Path, expected: str | None = None, schema: str | None = None):
    """The parsed JSON of ``path``; InputError naming the file (and line) when it cannot be read,
    and, with ``schema``, naming the field that does not fit that schema."""
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path, expected=expected) from err
    except UnicodeDecodeError as err:
        raise InputError("not UTF-8 text", path, expected=expected) from err
    except json.JSONDecodeError as err:
        raise InputError(f"invalid JSON: {err.msg}", path, err.lineno, expected=expected) from err
    if schema is not None:
        validate(doc, schema, path, expected)
    return doc
