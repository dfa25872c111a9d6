"""Settings from the client: severities, disabled codes, default workspace, bad values."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types

from lsp_session import Session


@pytest.fixture()
def settings() -> dict[str, Any]:
    return {
        "defaultWorkspace": "alice",
        "diagnostics": {"severity": {"unknown-step": "warning"}, "disabled": ["step-conflict"]},
        "stepNameCalls": ["use_step"],
        "noSuchSetting": 1,
    }


async def test_settings_change_severities_codes_and_context(session: Session) -> None:
    uri = session.open("pipelines/pytorch_pipeline.py")
    diagnostics = await session.diagnostics(uri)
    assert [str(d.code) for d in diagnostics] == ["unknown-step"]
    assert diagnostics[0].severity == types.DiagnosticSeverity.Warning
    # defaultWorkspace puts documents outside any workspace in alice's context
    scratch = session.open("pipelines/scratch.py", 'use_step("XGBoostTraining")\n')
    hover = await session.hover(scratch, session.find(scratch, "XGBoost", offset=1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "XGBoostTrainingGpuConfig" in hover.contents.value


async def test_unknown_setting_is_reported_not_fatal(session: Session) -> None:
    messages = [m.message for m in session.client.messages]
    assert any("noSuchSetting" in m for m in messages)


async def test_settings_change_applies_without_restart(session: Session) -> None:
    uri = session.open("pipelines/pytorch_pipeline.py")
    assert [str(d.code) for d in await session.diagnostics(uri)] == ["unknown-step"]
    session.client.set_configuration(
        {"diagnostics": {"disabled": ["unknown-step"]}}, section="hybridRegistry"
    )
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=None)
    )
    await session.diagnostics_until(uri, lambda ds: "unknown-step" not in [str(d.code) for d in ds])


async def test_a_default_workspace_that_is_not_loaded_is_reported_once(session: Session) -> None:
    def about_nobody() -> list[str]:
        return [m.message for m in session.client.messages if "'nobody'" in m.message]

    async def change() -> None:
        session.client.set_configuration({"defaultWorkspace": "nobody"}, section="hybridRegistry")
        session.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )

    assert about_nobody() == []
    await change()
    for _ in range(200):
        if about_nobody():
            break
        await asyncio.sleep(0.05)
    await change()  # the same value again: no second message
    await session.status()  # the change has been handled by now
    (message,) = about_nobody()
    assert "not a workspace of examples (known: alice, bob_ml, carol)" in message


async def test_an_invalid_setting_pushed_and_answered_is_said_once(session: Session) -> None:
    bad = {"diagnostics": {"disabled": "unknown-step"}}  # a string, not a list
    session.client.set_configuration(bad, section="hybridRegistry")
    session.client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"hybridRegistry": bad})
    )

    def said() -> list[str]:
        return [m.message for m in session.client.messages if "diagnostics.disabled" in m.message]

    for _ in range(200):
        if said():
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    assert len(said()) == 1
