"""Completion, hover and navigation through a real client, on the example folder."""

from __future__ import annotations

from lsprotocol import types

from lsp_session import Session

PIPELINE = "pipelines/scratch_pipeline.py"


def labels(result: types.CompletionList) -> list[str]:
    return [item.label for item in result.items]


def edit_of(item: types.CompletionItem, result: types.CompletionList) -> types.TextEdit:
    """The edit an item makes, whether sent on the item or as the list's default range."""
    if item.text_edit is None:
        defaults = result.item_defaults
        assert defaults is not None and isinstance(defaults.edit_range, types.Range), defaults
        return types.TextEdit(range=defaults.edit_range, new_text=item.text_edit_text or item.label)
    assert isinstance(item.text_edit, types.TextEdit), item.text_edit
    return item.text_edit


async def test_status_reports_the_example_registry(session: Session) -> None:
    status = await session.status()
    (folder,) = status["folders"]
    assert folder["stepCount"] == 27
    assert folder["conflicts"] == {"TextEmbedding": ["alice", "bob_ml"]}
    assert {w["id"] for w in folder["workspaces"]} == {"alice", "bob_ml", "carol"}
    assert folder["problemCount"] == 0


async def test_completion_inside_a_literal_replaces_the_whole_name(session: Session) -> None:
    uri = session.open(PIPELINE, 'dag.add_node("XGBoostTrainXX")\n')
    position = session.find(uri, "XGBoostTrainXX", offset=len("XGB"))
    result = await session.completion(uri, position)
    assert "XGBoostTraining" in labels(result)
    item = next(i for i in result.items if i.label == "XGBoostTraining")
    edit = edit_of(item, result)
    assert edit.new_text == "XGBoostTraining"
    assert edit.range.start == session.find(uri, "XGBoostTrainXX")
    assert edit.range.end == session.find(uri, "XGBoostTrainXX", offset=len("XGBoostTrainXX"))
    assert item.detail and "XGBoostTrainingConfig" in item.detail


async def test_completion_at_the_end_of_an_unclosed_string(session: Session) -> None:
    text = 'dag = PipelineDAG()\ndag.add_node("Tab'
    uri = session.open(PIPELINE, text)
    result = await session.completion(uri, session.position(uri, 1, len('dag.add_node("Tab')))
    assert labels(result)[0] == "TabularPreprocessing"


async def test_completion_in_a_call_split_over_lines(session: Session) -> None:
    text = "dag.add_edge(\n    \"CradleDataLoading_training\",\n    'Pay'\n)\n"
    uri = session.open(PIPELINE, text)
    result = await session.completion(uri, session.find(uri, "Pay", offset=3))
    assert "Payload" in labels(result)
    assert "Package" not in labels(result)


async def test_completion_offers_job_types_after_an_underscore(session: Session) -> None:
    uri = session.open(PIPELINE, 'dag.add_node("CradleDataLoading_")\n')
    result = await session.completion(uri, session.find(uri, '_")', offset=1))
    found = labels(result)
    for job_type in ("training", "calibration", "validation", "testing"):
        assert f"CradleDataLoading_{job_type}" in found


async def test_completion_in_an_empty_argument_inserts_quotes(session: Session) -> None:
    uri = session.open(PIPELINE, "dag.add_node()\n")
    result = await session.completion(uri, session.find(uri, ")"))
    item = next(i for i in result.items if i.label == "Payload")
    assert edit_of(item, result).new_text == '"Payload"'


async def test_completion_lists_other_workspaces_steps_with_their_owner(session: Session) -> None:
    uri = session.open(PIPELINE, 'dag.add_node("Doc")\n')
    result = await session.completion(uri, session.find(uri, "Doc", offset=3))
    item = next(i for i in result.items if i.label == "DocumentChunking")
    assert item.detail and "bob_ml" in item.detail
    resolved = await session.client.completion_item_resolve_async(item)
    assert resolved.documentation is not None


async def test_no_completion_outside_step_name_positions(session: Session) -> None:
    uri = session.open(PIPELINE, 'print("XGB")  # dag.add_node("XGB")\n')
    result = await session.client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=session.find(uri, "XGB", offset=2),
        )
    )
    assert result is None or not getattr(result, "items", result)


async def test_hover_after_emoji_and_accents(session: Session) -> None:
    uri = session.open("pipelines/xgboost_pipeline.py")
    start = session.find(uri, 'Registration")', offset=0)
    hover = await session.hover(uri, session.find(uri, 'Registration")', offset=4))
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert "RegistrationConfig" in hover.contents.value
    assert "core" in hover.contents.value
    assert hover.range is not None
    assert hover.range.start == start
    assert hover.range.end == session.find(uri, 'Registration")', offset=len("Registration"))


async def test_definition_after_emoji_goes_to_the_core_key(session: Session) -> None:
    uri = session.open("pipelines/xgboost_pipeline.py")
    (location,) = await session.locations(
        "definition", uri, session.find(uri, 'Registration")', offset=2)
    )
    assert location.uri.endswith("pipeline_registry/step_names.py")
    core = (session.folder / "pipeline_registry/step_names.py").read_text(encoding="utf-8")
    line = core.split("\n")[location.range.start.line]
    assert '"Registration"' in line


async def test_override_wins_inside_its_workspace(session: Session) -> None:
    uri = session.open(
        "developers/alice/pipelines/gpu.py", 'dag.add_node("XGBoostTraining_training")\n'
    )
    position = session.find(uri, "XGBoostTraining", offset=3)
    hover = await session.hover(uri, position)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "XGBoostTrainingGpuConfig" in hover.contents.value
    assert "override in alice" in hover.contents.value
    assert "shadowed" in hover.contents.value
    (location,) = await session.locations("definition", uri, position)
    assert location.uri.endswith("alice/src/cursus_dev/registry/workspace_registry.py")
    declarations = await session.locations("declaration", uri, position)
    assert len(declarations) == 2  # the override and the core entry


async def test_type_definition_and_implementation_find_classes(session: Session) -> None:
    uri = session.open(PIPELINE, 'dag.add_node("XGBoostTraining")\n')
    position = session.find(uri, "XGBoostTraining", offset=1)
    (config,) = await session.locations("type_definition", uri, position)
    assert config.uri.endswith("pipeline_registry/configs.py")
    (builder,) = await session.locations("implementation", uri, position)
    assert builder.uri.endswith("pipeline_registry/builders.py")


async def test_requests_on_odd_positions_answer_empty(session: Session) -> None:
    uri = session.open(PIPELINE, 'dag.add_node("Payload")\n')
    far = types.Position(line=40, character=99)
    assert await session.hover(uri, far) is None
    assert await session.locations("definition", uri, far) == []
    unknown = session.uri("never_opened.py")
    assert await session.hover(unknown, types.Position(line=0, character=0)) is None
