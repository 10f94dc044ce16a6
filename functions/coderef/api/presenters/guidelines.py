"""Guideline passages as JSON bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from coderef.api.presenters.links import guideline_url

if TYPE_CHECKING:
    from coderef.assistant.guidelines import GuidelinePassage


def passage_body(passage: GuidelinePassage) -> dict[str, Any]:
    return {
        "source": passage.source.id,
        "source_name": passage.source.name,
        "section": passage.section,
        "group": passage.group,
        "title": passage.title,
        "text": passage.text,
        "url": guideline_url(passage.source.id, passage.section),
    }
