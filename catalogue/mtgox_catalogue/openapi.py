"""The catalogue as an OpenAPI 3.1 document, for the tools that read one (Swagger UI, Prism,
Schemathesis, editors, other generators).

`openapi_document(catalogue)` is a pure function of the catalogue model: no Jinja, no I/O. It
lives with the catalogue, not the generator, because two readers build it: `mtgox-codegen
openapi` writes it, and the sandbox serves it at `/openapi.json` (with itself as the server),
and the sandbox never imports the generator. Every HTTP endpoint of every version becomes
one operation at `<base path>/<version prefix><path>` (aliases are listed in `x-aliases`, not
repeated as operations). The rules that shape it:

- What is sent is described as the SDK sends it: public calls with their parameters in the
  query (GET) or a form body (POST), one operation each (Mt. Gox answered public calls on both
  methods; the description says so rather than a second operation per endpoint, which every
  generator would turn into a second method); signed calls as a POST form body holding `nonce` (or
  `tonce`) and the parameters, with the headers `Rest-Key` and `Rest-Sign` as security schemes
  (one `Rest-Sign` scheme per auth style, since the styles sign different messages). Money
  parameters carry their unit and encoding (`x-money`), integer bounds in the wire's units.
- What comes back is described as the SDK reads it: a response a generated client accepts is
  a response the document accepts. So numeric fields take a JSON number or a numeric string
  (servers sent both), an optional field may be null, a map may be PHP's empty `[]`, and models
  allow fields they do not name.
- Errors are the version's error envelope. v0 and v1 sent application errors with status 200,
  so their 200 answer is the success envelope or the error one; v2 sends them with 400;
  authentication and rights failures are 403, an unknown path (or pair) 404, anything else
  (timeouts, limits, server failures) `default`.

Component names cannot collide with the catalogue's models: models are CamelCase words, and
every other component here holds a dot (`v2.error`) or is `Money`, a name models may not take.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from . import model as m

OPENAPI_VERSION = "3.1.0"
#: Mt. Gox kept amounts and nonces as signed 64-bit integers.
MAX_INT64 = 2**63 - 1

Schema = dict[str, Any]

_INTEGER_TEXT = r"^-?[0-9]+$"
_DECIMAL_TEXT = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"

#: Wire forms of the scalar field types, as the generated parsers accept them.
_SCALARS: dict[str, Schema] = {
    "string": {"type": "string"},
    "integer": {"type": ["integer", "string"], "pattern": _INTEGER_TEXT},
    "decimal": {"type": ["number", "string"], "pattern": _DECIMAL_TEXT},
    "boolean": {"enum": [True, False, 0, 1, "0", "1", "Y", "N", "true", "false"]},
    "money": {"$ref": "#/components/schemas/Money"},
    "timestamp": {
        "type": ["integer", "string"],
        "pattern": _INTEGER_TEXT,
        "description": "Unix time in seconds.",
    },
    "timestamp_us": {
        "type": ["integer", "string"],
        "pattern": _INTEGER_TEXT,
        "description": "Unix time in microseconds.",
    },
    "datetime": {
        "type": "string",
        "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}",
        "description": "UTC, as YYYY-MM-DD HH:MM:SS.",
    },
    "any": {},
}

#: What each envelope wraps a payload in, and the key holding it (None: the payload itself).
_PAYLOAD_KEY: dict[str, str | None] = {"plain": None, "return": "return", "data": "data"}

_MEDIA = {"json": "application/json", "text": "text/plain", "csv": "text/csv"}
#: The other method a public call was answered on (its parameters then in a form body, or the query).
_OTHER = {"GET": "POST with the parameters in a form body", "POST": "GET with the parameters in the query"}


def _text(*parts: str) -> str:
    """Catalogue prose (folded YAML, stray spaces) as one paragraph per part, empty parts dropped."""
    return "\n\n".join(" ".join(p.split()) for p in parts if p and p.strip())


def type_schema(t: m.TypeRef) -> Schema:
    """A response type: a scalar, a model (by reference), or a list or map of one."""
    if t.kind == "model":
        return {"$ref": f"#/components/schemas/{t.name}"}
    if t.kind == "list":
        assert t.item is not None  # the loader builds lists with their item
        return {"type": "array", "items": type_schema(t.item)}
    if t.kind == "map":
        assert t.item is not None
        # PHP's json_encode writes an empty map as [], which the SDK reads as {}.
        return {
            "anyOf": [
                {"type": "object", "additionalProperties": type_schema(t.item)},
                {"type": "array", "maxItems": 0},
            ]
        }
    return dict(_SCALARS[t.name])


def _nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def model_schema(model: m.Model) -> Schema:
    properties: dict[str, Schema] = {}
    for f in model.fields:
        schema = type_schema(f.type)
        if f.description:  # beside a $ref too: OpenAPI 3.1 allows it
            schema["description"] = _text(f.description, schema.get("description", ""))
        properties[f.wire] = _nullable(schema) if f.optional else schema
    out: Schema = {"type": "object"}
    if model.description:
        out["description"] = _text(model.description)
    out["properties"] = properties
    required = [f.wire for f in model.fields if not f.optional]
    if required:
        out["required"] = required
    return out


def money_schema() -> Schema:
    return {
        "type": "object",
        "description": "A value object: an exact amount, the same in integer units, display forms and currency.",
        "properties": {
            "value": {**_SCALARS["decimal"], "description": "The amount as a decimal."},
            "value_int": {**_SCALARS["integer"], "description": "The amount in the currency's integer units."},
            "display": {"type": "string"},
            "display_short": {"type": "string"},
            "currency": {"type": "string"},
        },
        "required": ["value", "value_int", "currency"],
    }


def _error_schema(version: m.Version) -> Schema:
    properties: dict[str, Schema] = {
        "error": {"type": "string", "description": "What went wrong."},
        "token": {"type": "string", "description": "A stable code for it, such as login_error_invalid_nonce."},
    }
    if version.envelope == "plain":
        return {"type": "object", "description": "An error (v0).", "properties": properties, "required": ["error"]}
    return {
        "type": "object",
        "description": "An error.",
        "properties": {"result": {"const": "error"}, **properties},
        "required": ["result", "error"],
    }


def _success_schema(version: m.Version, payload: Schema) -> Schema:
    key = _PAYLOAD_KEY[version.envelope]
    if key is None:
        return payload
    return {
        "type": "object",
        "properties": {"result": {"const": "success"}, key: payload},
        "required": ["result", key],
    }


def _error_ref(version: m.Version) -> Schema:
    return {"$ref": f"#/components/schemas/{version.key}.error"}


def _divisor(p: m.Param, catalogue: m.Catalogue) -> int | None:
    """The divisor of a money parameter's currency when it is fixed (else it depends on another value)."""
    if p.unit is not None and p.unit.kind == "fixed" and p.unit.currency is not None:
        return catalogue.currencies[p.unit.currency].divisor
    return None


def _money_facts(p: m.Param, catalogue: m.Catalogue) -> tuple[Schema, str]:
    assert p.unit is not None  # the loader gives every money parameter its unit
    unit = p.unit
    facts: Schema = {"encoding": p.encoding, "unit": unit.kind}
    if unit.kind == "fixed":
        facts["currency"] = unit.currency
        where = str(unit.currency)
    elif unit.kind == "quote":
        where = "the pair's quote currency"
    else:
        facts["param"] = unit.param
        if unit.default:
            facts["default"] = unit.default
        where = f"the currency given by {unit.param}" + (f" ({unit.default} when left out)" if unit.default else "")
    divisor = _divisor(p, catalogue)
    if divisor is not None:
        facts["divisor"] = divisor
    if p.encoding == "int":
        units = f"1/{divisor} {unit.currency}" if divisor is not None else "its divisor (x-currencies)"
        return facts, f"Unit: {where}, sent as an integer count of {units}."
    return facts, f"Unit: {where}, sent as a decimal."


def param_schema(p: m.Param, catalogue: m.Catalogue) -> tuple[Schema, str]:
    """The wire schema of a parameter, and a sentence on its unit (empty when it has none)."""
    if p.type == "pair":
        return {"type": "string", "enum": list(catalogue.pairs)}, ""
    if p.type == "currency":
        return {"type": "string", "enum": list(catalogue.currencies)}, ""
    if p.type == "enum":
        return {"type": "string", "enum": list(p.values)}, ""
    if p.type == "boolean":
        return {"type": "integer", "enum": [1, 0]}, "Sent as 1 (true) or 0 (false)."
    if p.type == "integer":
        schema: Schema = {"type": "integer"}
        if p.minimum is not None:
            schema["minimum"] = int(p.minimum)
        if p.maximum is not None:
            schema["maximum"] = int(p.maximum)
        return schema, ""
    if p.type == "money":
        facts, unit = _money_facts(p, catalogue)
        divisor = _divisor(p, catalogue)
        if p.encoding == "int":
            schema = {"type": "integer", "minimum": 0, "maximum": MAX_INT64}
            if divisor is not None and p.minimum is not None:
                schema["minimum"] = _units(p.minimum, divisor)
            if divisor is not None and p.maximum is not None:
                schema["maximum"] = _units(p.maximum, divisor)
        else:
            schema = {"type": "string", "pattern": _decimal_pattern(p, catalogue)}
        bounds = [f"at least {p.minimum}" if p.minimum else "", f"at most {p.maximum}" if p.maximum else ""]
        if any(bounds):
            unit += " " + ", ".join(b for b in bounds if b).capitalize() + "."
        schema["x-money"] = facts
        return schema, unit
    return {"type": "string"}, ""


def _decimal_pattern(p: m.Param, catalogue: m.Catalogue) -> str:
    """A non-negative decimal; with no more places than the currency has, when it is known in advance."""
    if p.unit is None or p.unit.kind != "fixed" or p.unit.currency is None:
        return r"^[0-9]+(\.[0-9]+)?$"
    places = catalogue.currencies[p.unit.currency].decimals
    return rf"^[0-9]+(\.[0-9]{{1,{places}}})?$" if places else r"^[0-9]+$"


def _units(amount: str, divisor: int) -> int:
    return int(Decimal(amount) * divisor)


def _described(p: m.Param, catalogue: m.Catalogue) -> tuple[Schema, str]:
    """A parameter's schema, and its description with the unit it is sent in."""
    schema, unit = param_schema(p, catalogue)
    return schema, _text(p.description, unit)


def _parameter(p: m.Param, catalogue: m.Catalogue) -> Schema:
    schema, description = _described(p, catalogue)
    out: Schema = {"name": p.wire, "in": p.location, "required": p.required or p.location == "path"}
    if description:
        out["description"] = description
    out["schema"] = schema
    return out


def _form_body(e: m.Endpoint, catalogue: m.Catalogue) -> Schema:
    """The form body of a POST: its parameters, and for a signed call the nonce or tonce."""
    properties: dict[str, Schema] = {}
    for p in e.wire_params:
        schema, description = _described(p, catalogue)
        properties[p.wire] = {**schema, "description": description} if description else schema
    body: Schema = {"type": "object"}
    required = [p.wire for p in e.wire_params if p.required]
    if e.signed:
        properties["nonce"] = {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_INT64,
            "description": "Larger than every nonce this key sent before (the SDK uses the clock in microseconds).",
        }
        window = catalogue.tonce_window_seconds
        properties["tonce"] = {
            "type": "integer",
            "minimum": 1,
            "maximum": MAX_INT64,
            "description": f"Instead of nonce: the clock in microseconds, within {window} s and never reused.",
        }
        body["anyOf"] = [{"required": ["nonce"]}, {"required": ["tonce"]}]
    body["properties"] = properties
    if required:
        body["required"] = required
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": body}}}


def _responses(e: m.Endpoint) -> Schema:
    version = e.version
    error = _error_ref(version)
    payload = type_schema(e.returns)
    success = _success_schema(version, payload)
    content: Schema = {}
    if e.response_format == "json":
        in_200 = success if version.envelope == "data" else {"anyOf": [success, error]}
        content["application/json"] = {"schema": in_200}
        described = "The answer." if version.envelope == "data" else "The answer, or an error (sent with 200)."
    else:
        content[_MEDIA[e.response_format]] = {"schema": {"type": "string"}}
        if version.envelope != "data":
            content["application/json"] = {"schema": error}
        described = f"The answer as {e.response_format}" + (
            "." if version.envelope == "data" else ", or an error as JSON (sent with 200)."
        )
    responses: Schema = {"200": {"description": described, "content": content}}
    json_error = {"application/json": {"schema": error}}
    if version.envelope == "data":
        refused = "The request was refused (a parameter, funds, an order)."
        responses["400"] = {"description": refused, "content": json_error}
    if e.signed:
        responses["403"] = {
            "description": "Authentication failed (key, signature, nonce) or the key lacks the right.",
            "content": json_error,
        }
    responses["404"] = {"description": "No such method (or pair) at this path.", "content": json_error}
    responses["default"] = {
        "description": "Another failure: a timeout, a request over a limit, a rate limit, the server itself.",
        "content": json_error,
    }
    return responses


def _first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    cut = flat.find(". ")
    return flat if cut < 0 else flat[: cut + 1]


def operation(e: m.Endpoint, catalogue: m.Catalogue, base_path: str) -> Schema:
    style = catalogue.auth_styles[e.auth]
    public = f"Public: {e.http_method} as described here; {_OTHER[e.http_method]} is answered the same."
    facts = (public if not e.signed else f"Signed ({e.auth}).") + (
        " Idempotent: retried on failure." if e.idempotent else " Not idempotent: never retried once sent."
    )
    if e.rights:
        facts += f" Key right: {' or '.join(e.rights)}."
    op: Schema = {
        "operationId": f"{e.version.key}_{e.name}",
        "tags": [e.version.key],
        "summary": _first_sentence(e.description),
        "description": _text(e.description, facts, f"Note: {e.note}" if e.note else ""),
    }
    in_url = [p for p in e.params if p.location != "body"]
    if in_url:
        op["parameters"] = [_parameter(p, catalogue) for p in in_url]
    if e.http_method == "POST":
        op["requestBody"] = _form_body(e, catalogue)
    op["responses"] = _responses(e)
    if e.signed:
        op["security"] = [{"Rest-Key": [], f"Rest-Sign.{style.name}": []}]
    op["x-idempotent"] = e.idempotent
    if e.rights:
        op["x-rights"] = list(e.rights)
    if e.knowledge != "documented":
        op["x-knowledge"] = e.knowledge
    if e.aliases:
        op["x-aliases"] = [f"{base_path}/{e.version.prefix}{alias}" for alias in e.aliases]
    return op


def servers(api: m.Api, sandbox: str | None = None) -> list[Schema]:
    """The sandbox first (the one at `sandbox`, else any on loopback), then the catalogued API."""
    parts = urlsplit(api.base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    catalogued = {"url": origin, "description": f"The {api.name} API"}
    if api.defunct:
        catalogued["description"] = f"Defunct: {' '.join(api.defunct.split())}"
    if sandbox is not None:
        return [{"url": sandbox, "description": "This sandbox, serving this catalogue"}, catalogued]
    loopback = {
        "url": "http://127.0.0.1:{port}",
        "description": "A sandbox serving this catalogue on loopback",
        "variables": {"port": {"default": "8080", "description": "The port the sandbox prints."}},
    }
    return [loopback, catalogued]


def _security_schemes(catalogue: m.Catalogue) -> Schema:
    schemes: Schema = {
        "Rest-Key": {"type": "apiKey", "in": "header", "name": "Rest-Key", "description": "The API key (a UUID)."}
    }
    for style in catalogue.auth_styles.values():
        if style.http and style.message != "none":
            schemes[f"Rest-Sign.{style.name}"] = {
                "type": "apiKey",
                "in": "header",
                "name": "Rest-Sign",
                "description": _text(
                    style.description,
                    "Computed per request from the secret: a fixed value cannot be configured.",
                ),
            }
    return schemes


def base_path(api: m.Api) -> str:
    """`/api` for `https://data.mtgox.com/api`: what every path starts with."""
    return urlsplit(api.base_url).path.rstrip("/")


def openapi_document(catalogue: m.Catalogue, *, server: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every HTTP endpoint of every version of `catalogue`; `server`
    (an origin, `http://127.0.0.1:8080`) is the sandbox serving it, listed first."""
    api = catalogue.api
    prefix = base_path(api)
    versions = sorted(catalogue.versions.values(), key=lambda v: v.number)
    paths: dict[str, Schema] = {}
    for v in versions:
        for e in catalogue.endpoints_of(v.key):
            paths.setdefault(f"{prefix}/{v.prefix}{e.path}", {})[e.http_method.lower()] = operation(
                e, catalogue, prefix
            )
    schemas: dict[str, Schema] = {"Money": money_schema()}
    schemas.update({name: model_schema(model) for name, model in catalogue.models.items()})
    schemas.update({f"{v.key}.error": _error_schema(v) for v in versions})
    info: Schema = {
        "title": f"{api.name} API",
        "version": f"catalogue-{catalogue.source_hash[:12]}",
        "description": _text(
            api.description,
            f"Defunct: {api.defunct}" if api.defunct else "",
            "Generated from the catalogue; every version's paths are here, each under its own prefix.",
        ),
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": info,
        "servers": servers(api, server),
        "tags": [{"name": v.key, "description": _text(v.description) or f"Version {v.number}"} for v in versions],
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": _security_schemes(catalogue)},
        # What turns an integer amount into a decimal one: `value_int / divisor`.
        "x-currencies": {
            code: {"divisor": c.divisor, "decimals": c.decimals} for code, c in catalogue.currencies.items()
        },
    }


def openapi_json(catalogue: m.Catalogue) -> str:
    """The document as JSON text: the same bytes for the same catalogue."""
    return json.dumps(openapi_document(catalogue), indent=2, ensure_ascii=False) + "\n"
