"""A small XML tree that remembers the line each element starts on.

ElementTree drops line numbers, and an importer must name the line of a bad element.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from coderef.errors import SourceError


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    _text: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join("".join(self._text).split())

    def find(self, tag: str) -> Node | None:
        return next((c for c in self.children if c.tag == tag), None)

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def findtext(self, tag: str) -> str | None:
        node = self.find(tag)
        return None if node is None else node.text


def parse_xml(path: Path) -> Node:
    """Parse a whole file; a malformed or truncated file raises SourceError with its line."""
    parser = expat.ParserCreate()
    stack: list[Node] = []
    root: list[Node] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, attrs, parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop()

    def chars(data: str) -> None:
        if stack:
            stack[-1]._text.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.buffer_text = True
    try:
        with open(path, "rb") as fh:
            parser.ParseFile(fh)
    except expat.ExpatError as exc:
        raise SourceError(
            str(path),
            f"line {exc.lineno}, column {exc.offset}",
            f"the XML is not well-formed or is cut short ({expat.ErrorString(exc.code)})",
        ) from None
    except OSError as exc:
        raise SourceError(str(path), "file", f"cannot be read ({exc.strerror})") from None
    finally:
        # The handlers refer to the parser and the tree: a cycle only the garbage collector
        # would free (an import pauses it), keeping the whole tree alive. Break it now.
        parser.StartElementHandler = parser.EndElementHandler = None
        parser.CharacterDataHandler = None
    if not root:
        raise SourceError(str(path), "line 1", "the file holds no XML element")
    return root[0]
