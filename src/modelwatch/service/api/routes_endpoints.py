"""``/endpoints``: the model endpoints whose captured traffic is monitored."""

from __future__ import annotations

from fastapi import APIRouter, Response
from sqlalchemy import select

from modelwatch.service.api.deps import StoreDep, ensure_new, ensure_unused, get
from modelwatch.service.api.models import EndpointChange, EndpointCreate, EndpointOut
from modelwatch.service.store import Endpoint

router = APIRouter(prefix="/endpoints", tags=["endpoints"])


@router.post("", status_code=201)
def create_endpoint(body: EndpointCreate, store: StoreDep) -> EndpointOut:
    with store.session() as session:
        ensure_new(session, Endpoint, body.name)
        endpoint = Endpoint(**body.model_dump(), created_at=store.clock())
        session.add(endpoint)
        session.flush()
        return EndpointOut.model_validate(endpoint)


@router.get("")
def list_endpoints(store: StoreDep) -> list[EndpointOut]:
    with store.session() as session:
        endpoints = session.scalars(select(Endpoint).order_by(Endpoint.name))
        return [EndpointOut.model_validate(endpoint) for endpoint in endpoints]


@router.get("/{name}")
def get_endpoint(name: str, store: StoreDep) -> EndpointOut:
    with store.session() as session:
        return EndpointOut.model_validate(get(session, Endpoint, name))


@router.put("/{name}")
def replace_endpoint(name: str, body: EndpointChange, store: StoreDep) -> EndpointOut:
    """Replace the endpoint's fields; the name is the URL's and cannot change (schedules refer to it)."""
    with store.session() as session:
        endpoint = get(session, Endpoint, name)
        endpoint.capture_uri = body.capture_uri
        endpoint.storage_options = body.storage_options
        session.flush()
        return EndpointOut.model_validate(endpoint)


@router.delete("/{name}", status_code=204)
def delete_endpoint(name: str, store: StoreDep) -> Response:
    with store.session() as session:
        endpoint = get(session, Endpoint, name)
        ensure_unused(session, endpoint)
        session.delete(endpoint)
    return Response(status_code=204)
