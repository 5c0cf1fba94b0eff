"""`/assets/{name}`: the dashboard's CSS, JS and icon from inside the package, cacheable for a year.

Pages ask for `/assets/NAME?v=DIGEST`; a new version of a file has a new digest, so the long cache
never serves a stale file. Only the shipped files are served. `/favicon.ico`, which browsers ask for
whatever a page links to, is the same icon under a URL without a digest, so it is cached for a day only.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from modelwatch.ui.layout import ASSETS, ICON, asset_digest, asset_text

CACHE_CONTROL = "public, max-age=31536000, immutable"
ICON_CACHE_CONTROL = "public, max-age=86400"
_MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}

router = APIRouter()


@router.get("/assets/{name}", include_in_schema=False)
def asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        return Response("no such asset\n", status_code=404, media_type="text/plain; charset=utf-8")
    return _shipped(name, request, CACHE_CONTROL)


@router.get("/favicon.ico", include_in_schema=False)
def favicon(request: Request) -> Response:
    return _shipped(ICON, request, ICON_CACHE_CONTROL)


def _shipped(name: str, request: Request, cache_control: str) -> Response:
    etag = f'"{asset_digest(name)}"'
    headers = {"Cache-Control": cache_control, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(asset_text(name), media_type=_MEDIA[name[name.rindex(".") :]], headers=headers)
