"""The OpenAPI document as the app serves it: the shipped ``openapi.json``, plus what the site
configuration decides (the contact form's fields and topics, its minimum fill time, the rating
scale, the site's languages), so that a client generated from ``GET /api/openapi.json`` sends
what this server accepts.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from feedback_api.schemas import contact_schema, rating_model
from kb_core.config import SiteConfig

__all__ = ["openapi_document", "served_document"]


@cache
def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description shipped with the package."""
    text = resources.files(__package__).joinpath("openapi.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def served_document(config: SiteConfig) -> dict[str, Any]:
    """The shipped document with the configured contact and rating rules filled in."""
    document = copy.deepcopy(openapi_document())
    schemas = document["components"]["schemas"]
    schemas["ContactRequest"] = contact_schema(config.contact, schemas["ContactRequest"])
    value = rating_model(config.ratings.scale).model_json_schema()["properties"]["value"]
    schemas["Rating"]["properties"]["value"] |= {
        "minimum": value["minimum"],
        "maximum": value["maximum"],
    }
    for path, item in document["paths"].items():
        if path.startswith("/api/"):  # where another language is refused: the site's own
            for operation in item.values():
                for param in operation.get("parameters", []):
                    if param["name"] == "lang":
                        param["schema"] = {"type": "string", "enum": list(config.site.codes)}
    return document
