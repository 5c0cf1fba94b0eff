"""Dashboard fixtures: one store seeded with real executions per test session (per xdist worker), and
the app on it, with or without tokens, served over real HTTP by the API tests' loopback uvicorn."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest

from modelwatch.service.api import ApiSettings, create_app
from modelwatch.service.store import Store, open_store

from ..api.conftest import Switch, server  # noqa: F401 (the session's uvicorn, injected by pytest)
from .dom import Element, parse
from .seeding import Seeded, seed

ADMIN, READER = "admin-token", "read-token"


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, Seeded]]:
    data_dir = tmp_path_factory.mktemp("dashboard")
    store = open_store(None, data_dir)
    try:
        yield store, seed(data_dir, store)
    finally:
        store.close()


@pytest.fixture(scope="session")
def seeded(seeded_store: tuple[Store, Seeded]) -> Seeded:
    return seeded_store[1]


@pytest.fixture
def serve(
    server: tuple[Switch, str],  # noqa: F811
    seeded_store: tuple[Store, Seeded],
) -> Iterator[Callable[..., Callable[[], httpx.Client]]]:
    """Install the app on the seeded store (auth enabled with tokens); returns a maker of fresh clients."""
    switch, base_url = server
    store, seeded = seeded_store
    clients: list[httpx.Client] = []

    def install(
        admin: frozenset[str] = frozenset(), read: frozenset[str] = frozenset()
    ) -> Callable[[], httpx.Client]:
        switch.app = create_app(
            store, ApiSettings(data_dir=seeded.data_dir, admin_tokens=admin, read_tokens=read)
        )

        def fresh() -> httpx.Client:
            clients.append(httpx.Client(base_url=base_url, timeout=30))
            return clients[-1]

        return fresh

    yield install
    switch.app = None
    for client in clients:
        client.close()


@pytest.fixture
def client(serve: Callable[..., Callable[[], httpx.Client]]) -> httpx.Client:
    """The dashboard without auth."""
    return serve()()


@pytest.fixture
def secured(serve: Callable[..., Callable[[], httpx.Client]]) -> Callable[[], httpx.Client]:
    """Fresh clients (no cookie yet) of the dashboard with an admin and a read token."""
    return serve(frozenset({ADMIN}), frozenset({READER}))


def page(client: httpx.Client, path: str, status: int = 200) -> Element:
    response = client.get(path)
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return parse(response.text)
