"""Conversions between legacy rows and models, validation, and error messages with suggestions."""

from __future__ import annotations

import difflib
import heapq
import re
from array import array
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from hybrid_registry.models import (
    Location,
    Problem,
    RegistryType,
    StepDefinition,
    validate_step_name_value,
)

JOB_TYPE_PATTERN = re.compile(r"^([A-Za-z][A-Za-z0-9]*)_([a-z]+)\Z")
"""A DAG node name `Name_jobtype`: the step `Name` run with job type `jobtype`."""

DEFAULT_JOB_TYPES: tuple[str, ...] = ("training", "calibration", "validation", "testing")


def split_job_type(node_name: str) -> tuple[str, str] | None:
    """`("Name", "training")` for `Name_training`, else None."""
    match = JOB_TYPE_PATTERN.match(node_name)
    return (match.group(1), match.group(2)) if match else None


def is_valid_step_name(name: str) -> bool:
    try:
        validate_step_name_value(name)
    except ValueError:
        return False
    return True


def validate_registry_type(value: str) -> RegistryType:
    """Parse a registry type, with an error that lists the allowed values."""
    try:
        return RegistryType(value)
    except ValueError:
        allowed = ", ".join(t.value for t in RegistryType)
        raise ValueError(f"invalid registry type {value!r}: use one of {allowed}") from None


def from_legacy_format(
    name: str,
    row: Mapping[str, Any],
    registry_type: RegistryType = RegistryType.CORE,
    workspace_id: str | None = None,
    location: Location | None = None,
) -> StepDefinition:
    """A model from a `STEP_NAMES` row (raises ValueError on invalid data)."""
    known = set(StepDefinition.model_fields) - {"name", "registry_type", "workspace_id"}
    fields = {key: value for key, value in row.items() if key in known}
    extra = {key: value for key, value in row.items() if key not in known}
    metadata = {**fields.pop("metadata", {}), **extra}
    return StepDefinition(
        name=name,
        registry_type=registry_type,
        workspace_id=workspace_id,
        location=location,
        metadata=metadata,
        **fields,
    )


def to_legacy_dict(definitions: Iterable[StepDefinition]) -> dict[str, dict[str, Any]]:
    return {definition.name: definition.to_legacy_format() for definition in definitions}


def suggest(name: str, candidates: Collection[str], limit: int = 3) -> list[str]:
    """Close matches for a misspelled step name, best first (case-insensitive).

    A cheap length filter keeps this fast on tens of thousands of names.
    """
    if not name or not candidates:
        return []
    lowered = name.lower()
    slack = max(3, len(name) // 3)
    by_lower: dict[str, str] = {}
    for candidate in candidates:
        if abs(len(candidate) - len(name)) <= slack:
            by_lower.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(lowered, list(by_lower), n=limit, cutoff=0.75)
    return [by_lower[match] for match in matches]


def _trigrams(lowered: str) -> set[str]:
    padded = f"^{lowered}$"
    return {padded[i : i + 3] for i in range(max(1, len(padded) - 2))}


class SuggestionIndex:
    """Fast "did you mean" over many names: a trigram index picks a few dozen candidates
    that share enough letter triples with the query, and difflib ranks only those.

    Postings are compact arrays of name ids (4 bytes an entry, not a set entry of a string:
    a tenth of the memory on tens of thousands of names). A removed name's id is marked dead
    and skipped; the postings are rebuilt once dead ids outnumber live ones.

    Kept up to date with `update` (only the names that came or went are re-indexed) and
    remembers its answers until the names change.
    """

    SHORTLIST = 15

    def __init__(self, names: Collection[str] = ()) -> None:
        self.names: Collection[str] = ()
        self._lower: dict[str, str] = {}
        """lowered name -> the name (the first of names that differ only in case)"""
        self._ids: dict[str, int] = {}
        self._by_id: list[str | None] = []
        """id -> lowered name, None once removed"""
        self._dead = 0
        self._postings: dict[str, array[int]] = {}
        self._answers: dict[tuple[str, int], list[str]] = {}
        self.update(names)

    def update(self, names: Collection[str]) -> None:
        """Re-index for a new set of names: only the names that came or went are touched,
        and only the remembered answers they could change are forgotten."""
        if names is self.names:
            return
        old_names, new_names = set(self.names), set(names)
        removed, added = old_names - new_names, new_names - old_names
        for name in removed:
            lowered = name.lower()
            if self._lower.get(lowered) != name:
                continue
            del self._lower[lowered]
            self._by_id[self._ids.pop(lowered)] = None
            self._dead += 1
        for name in added:
            lowered = name.lower()
            if lowered in self._lower:
                continue
            self._lower[lowered] = name
            self._index(lowered)
        if self._dead > max(1024, len(self._ids)):
            self._rebuild()
        self.names = names
        if removed or added:
            self._forget_answers(removed, {name.lower() for name in added})

    def _index(self, lowered: str) -> None:
        ident = len(self._by_id)
        self._by_id.append(lowered)
        self._ids[lowered] = ident
        for gram in _trigrams(lowered):
            posting = self._postings.get(gram)
            if posting is None:
                posting = self._postings[gram] = array("I")
            posting.append(ident)

    def _rebuild(self) -> None:
        """Drop the dead ids: renumber the live names and index them again."""
        live = [lowered for lowered in self._by_id if lowered is not None]
        self._ids, self._by_id, self._postings, self._dead = {}, [], {}, 0
        for lowered in live:
            self._index(lowered)

    def _forget_answers(self, removed: set[str], added: set[str]) -> None:
        """Drop answers that named a removed name, or that an added name could now join."""
        matcher = difflib.SequenceMatcher()
        for key, answer in list(self._answers.items()):
            if removed.intersection(answer):
                del self._answers[key]
                continue
            matcher.set_seq2(key[0].lower())
            for lowered in added:
                matcher.set_seq1(lowered)
                if matcher.real_quick_ratio() >= 0.75 and matcher.quick_ratio() >= 0.75:
                    del self._answers[key]
                    break

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        if not name or not self._lower:
            return []
        key = (name, limit)
        cached = self._answers.get(key)
        if cached is not None:
            return list(cached)
        lowered = name.lower()
        # Count shared triples over the rarest half of the query's triples: a close match
        # (difflib ratio >= 0.75) keeps most triples, so it shares many of the rare ones too,
        # while common triples ("ing", "^tr") would make the count cost thousands of names.
        empty: array[int] = array("I")
        postings = sorted((self._postings.get(gram, empty) for gram in _trigrams(lowered)), key=len)
        rare = postings[: max(6, (len(postings) + 1) // 2)]
        counts: Counter[int] = Counter()
        for posting in rare:
            counts.update(posting)
        needed = max(1, len(rare) // 4)
        by_id = self._by_id
        # Ties are broken by the name, so the answer never depends on the order of updates.
        ranked = heapq.nsmallest(
            self.SHORTLIST,
            (
                (-n, candidate)
                for ident, n in counts.items()
                if n >= needed and (candidate := by_id[ident]) is not None
            ),
        )
        shortlist = [candidate for _, candidate in ranked]
        matches = difflib.get_close_matches(lowered, shortlist, n=limit, cutoff=0.75)
        answer = [self._lower[match] for match in matches]
        if len(self._answers) > 10_000:
            self._answers.clear()
        self._answers[key] = answer
        return list(answer)


def unknown_step_message(name: str, suggestions: list[str]) -> str:
    """`Unknown step 'X'. Did you mean 'Y'?` (or a list of options)."""
    message = f"Unknown step '{name}'."
    if len(suggestions) == 1:
        message += f" Did you mean '{suggestions[0]}'?"
    elif suggestions:
        options = ", ".join(f"'{s}'" for s in suggestions[:-1])
        message += f" Did you mean {options} or '{suggestions[-1]}'?"
    return message


def format_problems(problems: Iterable[Problem]) -> list[str]:
    """`path:line:col: severity: message` lines, sorted by file and position."""
    ordered = sorted(
        problems, key=lambda p: (p.path, p.range.start_line, p.range.start_col, p.message)
    )
    return [problem.format() for problem in ordered]
