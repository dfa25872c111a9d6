"""Registry sources set in the editor's settings that do not exist: said in a message (there
is no file to put a diagnostic on), once, and the rest of the registry keeps working."""

from __future__ import annotations

from typing import Any

import pytest

from lsp_session import Session


@pytest.fixture()
def settings() -> dict[str, Any]:
    return {"core": ["pipeline_registry/step_names.py", "does/not/exist.py"]}


async def test_a_missing_core_source_from_the_settings_is_reported(session: Session) -> None:
    messages = [m.message for m in session.client.messages if "does/not/exist.py" in m.message]
    assert len(messages) == 1
    assert "hybridRegistry.core" in messages[0]
    status = await session.status()
    assert status["folders"][0]["stepCount"] == 27
