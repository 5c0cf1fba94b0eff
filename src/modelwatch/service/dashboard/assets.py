"""`/assets/{name}`: the dashboard's CSS and JS from inside the package, cacheable for a year.

Pages ask for `/assets/NAME?v=DIGEST`; a new version of a file has a new digest, so the long cache
never serves a stale file. Only the shipped files are served.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from modelwatch.ui.layout import ASSETS, asset_digest, asset_text

CACHE_CONTROL = "public, max-age=31536000, immutable"
_MEDIA = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}

router = APIRouter()


@router.get("/assets/{name}", include_in_schema=False)
def asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        return Response("no such asset\n", status_code=404, media_type="text/plain; charset=utf-8")
    etag = f'"{asset_digest(name)}"'
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(asset_text(name), media_type=_MEDIA[name[name.rindex(".") :]], headers=headers)
