"""Guideline text an operator has loaded: sources and their numbered passages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GuidelineSource:
    id: str  # used in links: /guidelines/{id}/{section}
    name: str
    publisher: str
    origin: str  # where the loaded text came from


@dataclass(frozen=True)
class GuidelinePassage:
    source: GuidelineSource
    section: str  # the guideline's own number, e.g. "B3.8"
    group: str  # e.g. "Root Operation"
    title: str  # e.g. "Excision vs Resection"
    text: str

    @property
    def label(self) -> str:
        return f"{self.source.name}, {self.section} {self.title}"
