"""Parse rendered HTML with the standard library and report what it contains."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Scan:
    tags: list[str] = field(default_factory=list)
    #: (tag, attribute name, value)
    attrs: list[tuple[str, str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    #: Text content of each <script> and <style>, in order.
    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def all_text(self) -> str:
        return "".join(self.text)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.scan = Scan()
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scan.tags.append(tag)
        for name, value in attrs:
            self.scan.attrs.append((tag, name, value or ""))
        if tag in ("script", "style"):
            self._raw = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scan.tags.append(tag)
        for name, value in attrs:
            self.scan.attrs.append((tag, name, value or ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw == "script":
            self.scan.scripts.append(data)
        elif self._raw == "style":
            self.scan.styles.append(data)
        else:
            self.scan.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.scan.comments.append(data)


def scan_html(html: str) -> Scan:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.scan
