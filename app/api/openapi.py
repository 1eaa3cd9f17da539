"""A small registry of API operations from which the OpenAPI document is built.

Each route declares its request body and response with pydantic models, so validation at
the boundary and the published schema come from the same source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from app.api.schemas import ErrorBody


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    endpoint: str
    body: type[BaseModel] | None = None
    multipart: dict[str, Any] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    tag: str = "misc"
    auth: bool = True
    errors: tuple[int, ...] = field(default=())


OPERATIONS: list[Operation] = []
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


def register(op: Operation) -> None:
    OPERATIONS.append(op)


def _path(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in _PARAM.findall(rule):
        schema = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1} \
            if converter == "int" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return _PARAM.sub(lambda m: "{" + m.group(2) + "}", rule), params


def _ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, str]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": f"#/components/schemas/{model.__name__}"}


_MESSAGES = {400: "Invalid input", 401: "Not signed in", 403: "Not allowed",
             404: "Not found", 409: "Conflict", 413: "Too large",
             423: "Submitted: locked until a teacher reopens it", 429: "Too many requests"}


def build_spec(prefix: str, title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every registered operation."""
    components: dict[str, Any] = {}
    error = _ref(ErrorBody, components)
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        path, params = _path(prefix + op.rule)
        entry: dict[str, Any] = {
            "operationId": op.endpoint,
            "summary": op.summary,
            "tags": [op.tag],
            "responses": {},
        }
        if params:
            entry["parameters"] = params
        content: dict[str, Any] = {}
        if op.body is not None:
            content["application/json"] = {"schema": _ref(op.body, components)}
        if op.multipart is not None:
            content["multipart/form-data"] = {"schema": op.multipart}
        if content:
            entry["requestBody"] = {"required": True, "content": content}
        success: dict[str, Any] = {"description": "OK"}
        if op.response is not None:
            success["content"] = {"application/json": {"schema": _ref(op.response, components)}}
        entry["responses"][str(op.status)] = success
        codes = set(op.errors) | ({401} if op.auth else set())
        if op.body is not None or op.multipart is not None:
            codes.add(400)
        if params:
            codes.add(404)
        for code in sorted(codes):
            entry["responses"][str(code)] = {
                "description": _MESSAGES.get(code, "Error"),
                "content": {"application/json": {"schema": error}},
            }
        if not op.auth:
            entry["security"] = []
        paths.setdefault(path, {})[op.method.lower()] = entry
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Scripts authenticate with `Authorization: Bearer <token>` "
                                "(create tokens on the account page); the browser uses its "
                                "session and sends the CSRF token in `X-CSRFToken`."},
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
    }


def route(bp, rule: str, method: str, summary: str, *, tag: str, **options: Any) -> Callable:
    """Register a view on the blueprint and describe it in the OpenAPI document."""

    def decorator(view: Callable) -> Callable:
        bp.add_url_rule(rule, endpoint=view.__name__, view_func=view, methods=[method])
        register(Operation(rule=rule, method=method, summary=summary, endpoint=view.__name__,
                           tag=tag, **options))
        return view

    return decorator
