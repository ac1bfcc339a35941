"""The API's documentation: the OpenAPI document, declaring the bearer scheme that API keys use, and a
Swagger UI page built from vendored, pinned assets (``api/docs_assets``, by ``make swagger-ui``), so
that the docs load nothing from another origin; the pages' Content-Security-Policy (``PAGE_POLICY``)
holds them to that. "Authorize" keeps a key, and Swagger sends it as
``Authorization: Bearer <key>`` to each operation whose security requirement names ``BEARER``.

The checksum file the assets came with is their manifest: only the page's files it lists are served,
each with its SHA-256 as ETag, so a browser revalidates cheaply and never keeps an old bundle.
"""

import base64
import hashlib
import html
import json
from functools import cache
from importlib import metadata, resources
from pathlib import PurePath
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.params import FromPath
from litestar.router import Router

from api.access import public

ASSETS = resources.files("api") / "docs_assets"
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}  # Litestar adds the charset
BEARER = "BearerAuth"
_ASSET_ROUTE = "docs-asset"
_STYLE = "body { margin: 0 }"
# constant, so that the page's policy can name it by hash: the options come as a JSON data block
_SCRIPT = (
    'SwaggerUIBundle(Object.assign(JSON.parse(document.getElementById("swagger-options").textContent), '
    "{presets: [SwaggerUIBundle.presets.apis]}));"
)
_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="icon" type="image/png" href="{icon}">
<link rel="stylesheet" href="{css}">
<style>{style}</style>
</head>
<body>
<div id="swagger-ui"></div>
<script id="swagger-options" type="application/json">{options}</script>
<script src="{js}"></script>
<script>{script}</script>
</body>
</html>
"""


def _hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode()).digest()).decode() + "'"


# The docs pages' Content-Security-Policy: the vendored assets and the page's own inline script and
# style (by hash), the document fetched from this origin, images from here or inline (Swagger's CSS
# draws its icons as data: URIs); nothing else, and no framing.
PAGE_POLICY = (
    f"default-src 'none'; script-src 'self' {_hash(_SCRIPT)}; style-src 'self' {_hash(_STYLE)}; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def openapi_config() -> OpenAPIConfig:
    """The document at ``/schema/openapi.json`` and its Swagger UI at ``/schema`` and ``/schema/swagger``."""
    return OpenAPIConfig(
        title="Liangshan 两山 — ecological asset registry and ledger",
        version=metadata.version("liangshan"),
        openapi_router=Router(
            "/schema",
            route_handlers=[],
            include_in_schema=False,
            opt=public(),
            response_headers=[ResponseHeader(name="Content-Security-Policy", value=PAGE_POLICY)],
        ),
        components=Components(
            security_schemes={
                BEARER: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API key of a party's user, as issued by the registrar or "
                    "`liangshan demo seed`; bound to one party and one role.",
                )
            }
        ),
        render_plugins=[SwaggerPage()],
    )


class SwaggerPage(OpenAPIRenderPlugin):
    """Swagger UI from the vendored assets, keeping an authorisation across reloads and sending the
    document to no outside validator."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        def asset(file: str) -> str:
            return html.escape(request.app.route_reverse(_ASSET_ROUTE, file=file))

        options = {
            "url": self.get_openapi_json_route(request),
            "dom_id": "#swagger-ui",
            "deepLinking": True,
            "persistAuthorization": True,
            "validatorUrl": None,
        }
        return _PAGE.format(
            title=html.escape(openapi_schema["info"]["title"]),
            icon=asset("favicon-32x32.png"),
            css=asset("swagger-ui.css"),
            js=asset("swagger-ui-bundle.js"),
            options=json.dumps(options).replace("<", "\\u003c"),  # nothing in it can close the script
            style=_STYLE,
            script=_SCRIPT,
        ).encode()

    def receive_router(self, router: Router) -> None:
        router.register(docs_asset)


@cache
def served() -> dict[str, str]:
    """The page's assets by name, with their SHA-256 from the checksum file."""
    digests = {}
    for line in (ASSETS / "SHA256SUMS").read_text("utf-8").splitlines():
        if line.startswith("#"):
            continue
        digest, name = line.split(maxsplit=1)
        if PurePath(name).suffix in MEDIA_TYPES:
            digests[name] = digest
    return digests


@cache
def _content(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


@get("/assets/{file:str}", name=_ASSET_ROUTE, sync_to_thread=False)
def docs_asset(file: FromPath[str], request: Request[Any, Any, Any]) -> Response[bytes]:
    digest = served().get(file)
    if digest is None:
        raise NotFoundException
    headers = {"ETag": f'"{digest}"', "Cache-Control": "no-cache"}
    if request.headers.get("If-None-Match") == headers["ETag"]:
        return Response(b"", status_code=304, headers=headers)
    return Response(_content(file), media_type=MEDIA_TYPES[PurePath(file).suffix], headers=headers)
