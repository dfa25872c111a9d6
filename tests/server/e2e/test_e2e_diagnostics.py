"""Diagnostics end to end: unknown steps, conflicts, registry files, reloads."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from lsp_session import Session

BOB = "developers/bob/src/cursus_dev/registry/workspace_registry.py"
CAROL = "developers/carol/src/cursus_dev/registry/workspace_registry.py"
ALICE = "developers/alice/src/cursus_dev/registry/workspace_registry.py"


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


async def test_typo_and_conflicts_in_the_example(session: Session) -> None:
    uri = session.open("pipelines/pytorch_pipeline.py")
    diagnostics = await session.diagnostics(uri)
    unknown = [d for d in diagnostics if d.code == "unknown-step"]
    assert len(unknown) == 1
    (typo,) = unknown
    assert typo.severity == types.DiagnosticSeverity.Error
    assert typo.source == "hybrid-registry"
    assert "Unknown step 'XGBoostTrainng_training'" in typo.message
    assert "Did you mean 'XGBoostTraining_training'?" in typo.message
    assert typo.range.start == session.find(uri, "XGBoostTrainng_training")
    conflicts = [d for d in diagnostics if d.code == "step-conflict"]
    assert len(conflicts) == 3  # TextEmbedding is used three times
    related = conflicts[0].related_information or []
    assert {r.location.uri.split("/developers/")[1].split("/")[0] for r in related} == {
        "alice",
        "bob",
    }


async def test_registry_file_diagnostics(session: Session) -> None:
    uri = session.open(ALICE)
    diagnostics = await session.diagnostics(uri)
    assert "overrides-core" in codes(diagnostics)
    assert "step-conflict" in codes(diagnostics)
    hint = next(d for d in diagnostics if d.code == "overrides-core")
    assert hint.severity == types.DiagnosticSeverity.Hint
    assert hint.range.start == session.find(uri, '"XGBoostTraining"', offset=1)


async def test_unsaved_edit_of_a_registry_file_counts(session: Session) -> None:
    pipeline = session.open("pipelines/pytorch_pipeline.py")
    assert "step-conflict" in codes(await session.diagnostics(pipeline))
    registry = session.open(BOB)
    text = session.texts[registry].replace('"TextEmbedding"', '"TextEmbeddingBob"')
    session.change(registry, text)
    await session.diagnostics_until(pipeline, lambda ds: "step-conflict" not in codes(ds))
    status = await session.status()
    assert status["folders"][0]["conflicts"] == {}
    # Closing without saving brings back the file on disk, and the conflict.
    session.close(registry)
    await session.diagnostics_until(pipeline, lambda ds: "step-conflict" in codes(ds))


async def test_file_changed_on_disk_is_reloaded(session: Session) -> None:
    uri = session.open("pipelines/scratch.py", 'dag.add_node("QualityGate_training")\n')
    assert codes(await session.diagnostics(uri)) == ["unknown-step"]
    text = (session.folder / CAROL).read_text(encoding="utf-8")
    text = text.replace(
        "LOCAL_STEPS = {",
        'LOCAL_STEPS = {\n    "QualityGate": {"config_class": "QualityGateConfig",'
        ' "sagemaker_step_type": "Processing"},',
        1,
    )
    session.disk_changed(CAROL, text)
    await session.diagnostics_until(uri, lambda ds: ds == [])


async def test_broken_registry_file_reports_and_the_rest_keeps_working(session: Session) -> None:
    uri = session.open(
        "pipelines/scratch.py", 'dag.add_node("Payload")\ndag.add_node("DriftMonitoring")\n'
    )
    assert await session.diagnostics(uri) == []
    session.disk_changed(CAROL, "LOCAL_STEPS = {\n    'Broken': {,\n}\n")

    async def carol_has_problem() -> None:
        while not (await session.status())["folders"][0]["problemCount"]:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(carol_has_problem(), 10)
    registry = session.open(CAROL)
    diagnostics = await session.diagnostics(registry)
    assert "syntax-error" in codes(diagnostics)
    syntax = next(d for d in diagnostics if d.code == "syntax-error")
    assert syntax.range.start.line in (0, 1)
    assert "not loaded" in syntax.message
    # carol's steps are gone, core ones still resolve, hover still works
    pipeline = await session.diagnostics_until(uri, lambda ds: len(ds) == 1)
    assert "DriftMonitoring" in pipeline[0].message
    hover = await session.hover(uri, session.find(uri, "Payload", offset=1))
    assert hover is not None


async def test_quick_fix_replaces_a_typo_with_the_suggestion(session: Session) -> None:
    text = 'dag.add_node("XGBoostTrainng_training")  # 🚀 é\n'
    text += '# 🚀 é dag.add_node("XGBoostTrainng")\n'
    text += 'x = "🚀é"; dag.add_node("XGBoostTrainng")\n'
    uri = session.open("pipelines/typo.py", text)
    diagnostics = await session.diagnostics(uri)
    assert codes(diagnostics) == ["unknown-step", "unknown-step"]
    last = max(diagnostics, key=lambda d: d.range.start.line)
    actions = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=last.range,
            context=types.CodeActionContext(diagnostics=diagnostics),
        )
    )
    assert actions, "no quick fix"
    best = actions[0]
    assert isinstance(best, types.CodeAction)
    assert best.title == "Replace with 'XGBoostTraining'"
    assert best.kind == types.CodeActionKind.QuickFix and best.is_preferred
    assert list(best.diagnostics or []) == [last]
    assert best.edit is not None and best.edit.changes is not None
    (edit,) = best.edit.changes[uri]
    assert edit.new_text == "XGBoostTraining"
    assert edit.range == last.range
    assert edit.range.start == session.find(uri, "XGBoostTrainng", occurrence=2)
    # the whole first line: the typo with its job type keeps the job type
    first = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(
                start=types.Position(line=0, character=0), end=types.Position(line=1, character=0)
            ),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.QuickFix]),
        )
    )
    assert first and isinstance(first[0], types.CodeAction)
    assert first[0].title == "Replace with 'XGBoostTraining_training'"
    # a client asking only for source actions gets none
    none = await session.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=last.range,
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    assert not none
