"""Parse rendered report HTML: the whole page with `html.parser`, a fragment as XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser


class PageParser(HTMLParser):
    """Every start tag with its attributes, the text, and the content of `<style>` and `<script>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._open = tag if tag in self.raw else None

    def handle_endtag(self, tag: str) -> None:
        self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self.raw[self._open].append(data)
        else:
            self.text.append(data)


def parse_page(page: str) -> PageParser:
    parser = PageParser()
    parser.feed(page)
    parser.close()
    return parser


def parse_fragment(fragment: str) -> ET.Element:
    return ET.fromstring(fragment)


def has_class(element: ET.Element, name: str) -> bool:
    return name in (element.get("class") or "").split()


def by_class(root: ET.Element, tag: str, name: str) -> list[ET.Element]:
    return [element for element in root.iter(tag) if has_class(element, name)]


def text_of(element: ET.Element) -> str:
    return "".join(element.itertext())


def series(chart: ET.Element) -> list[str]:
    return [str(group.get("data-series")) for group in chart.iter("g") if group.get("data-series")]
