"""End-to-end fixtures: the real `registry-lsp` over stdio, driven by pytest-lsp's client.

Every test runs against two client capability profiles: VS Code (push diagnostics, UTF-16
positions, dynamic file watchers) and Neovim 0.11 (pull diagnostics, UTF-8 positions).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from lsp_session import Session

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
PROFILES = ["visual-studio-code", "neovim@v0.11.0"]


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """A private copy of the example folder (tests edit registry files)."""
    target = tmp_path / "examples"
    shutil.copytree(EXAMPLES, target)
    return target


@pytest.fixture()
def settings() -> dict[str, Any]:
    """`hybridRegistry` settings the client answers with (override in a test module)."""
    return {}


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "registry_lsp", "-v"]),
    params=PROFILES,
)
async def client(
    request: pytest.FixtureRequest,
    lsp_client: LanguageClient,
    folder: Path,
    settings: dict[str, Any],
) -> AsyncIterator[None]:
    lsp_client.set_configuration(settings, section="hybridRegistry")
    record_client_requests(lsp_client)
    params = types.InitializeParams(
        capabilities=client_capabilities(request.param),
        workspace_folders=[types.WorkspaceFolder(uri=folder.as_uri(), name=folder.name)],
        initialization_options=settings,
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def record_client_requests(client: LanguageClient) -> None:
    """Answer what a real client answers, and keep what the server sent for assertions."""
    client.registrations = []  # type: ignore[attr-defined]
    client.statuses = []  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        client.registrations.extend(params.registrations)  # type: ignore[attr-defined]

    @client.feature(types.CLIENT_UNREGISTER_CAPABILITY)
    def unregister(params: types.UnregistrationParams) -> None:
        return None

    @client.feature("hybridRegistry/statusChanged")
    def status_changed(params: Any) -> None:
        client.statuses.append(params)  # type: ignore[attr-defined]


@pytest.fixture()
async def session(client: LanguageClient, folder: Path) -> Session:
    session = Session(client, folder)
    await session.wait_loaded()
    return session
