"""Lines of a text as LSP counts them, sliced on demand (`TextLines`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hybrid_registry.loaders import split_lines
from registry_lsp.textsync import TextLines

line_texts = st.lists(st.sampled_from(["a", "é", "😀", " ", "\n", "\r", "\r\n", "\f"])).map("".join)


@given(line_texts)
def test_text_lines_are_the_lsp_lines(text: str) -> None:
    lines = TextLines(text)
    expected = split_lines(text)
    assert len(lines) == len(expected)
    assert list(lines) == expected
    assert lines[-1] == expected[-1]
    assert lines[1:3] == expected[1:3]


def test_text_lines_refuse_lines_past_the_end() -> None:
    lines = TextLines("a\r\nb")
    assert (lines[0], lines[1]) == ("a", "b")
    with pytest.raises(IndexError):
        lines[2]
