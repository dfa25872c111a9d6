"""Conversions between legacy rows and models, validation, and error messages with suggestions."""

from __future__ import annotations

import difflib
import re
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


def _bigrams(lowered: str) -> set[str]:
    padded = f"^{lowered}$"
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


class SuggestionIndex:
    """Fast "did you mean" over many names: a bigram index picks a few dozen candidates
    that share enough letter pairs with the query, and difflib ranks only those.

    Build once per set of names (the manager keeps one while its names stay the same).
    """

    SHORTLIST = 60

    def __init__(self, names: Collection[str]) -> None:
        self.names = names
        self._lower: dict[str, str] = {}
        self._postings: dict[str, list[str]] = {}
        for name in names:
            lowered = name.lower()
            if lowered in self._lower:
                continue
            self._lower[lowered] = name
            for gram in _bigrams(lowered):
                self._postings.setdefault(gram, []).append(lowered)

    def suggest(self, name: str, limit: int = 3) -> list[str]:
        if not name or not self._lower:
            return []
        lowered = name.lower()
        grams = _bigrams(lowered)
        counts: dict[str, int] = {}
        for gram in grams:
            for candidate in self._postings.get(gram, ()):
                counts[candidate] = counts.get(candidate, 0) + 1
        # A close match (difflib ratio >= 0.75) shares most letter pairs with the query.
        needed = max(1, int(len(grams) * 0.4))
        shortlist = sorted(
            (c for c, n in counts.items() if n >= needed),
            key=lambda c: (-counts[c], abs(len(c) - len(lowered)), c),
        )[: self.SHORTLIST]
        matches = difflib.get_close_matches(lowered, shortlist, n=limit, cutoff=0.75)
        return [self._lower[match] for match in matches]


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
