"""A printed page that can neither send staff elsewhere nor run anything.

A print template's HTML is shown to staff (the document pages, the designer's
preview frame). The pages' Content-Security-Policy stops scripts, frames and
remote loads, but not everything: `<meta http-equiv="refresh">` navigates
whatever the policy says, `<base>` and forms are outside `default-src`. So the
rendered HTML loses, before anyone sees it:

* `<meta http-equiv=...>` (refresh, set-cookie, content policy) and `<base>`;
* `<script>`, `<iframe>`, `<frame>`, `<frameset>`, `<object>`, `<embed>`,
  `<applet>`, `<portal>` and `<noscript>`, with their content;
* `<form>` tags (what is inside stays, but submits nowhere);
* event handler attributes (`onload=`...) and links to `javascript:`,
  `vbscript:` or `data:` other than images.

Only what is removed changes: a page without any of these is returned as it
came, byte for byte.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

DROPPED_WITH_CONTENT = frozenset({"script", "iframe", "frame", "frameset", "object", "embed",
                                  "applet", "portal", "noscript"})
DROPPED_TAGS = frozenset({"base", "form"})
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data",
                            "srcdoc", "background", "poster", "ping", "srcset"})


# Cheap test first: most pages have none of these, and are returned untouched unparsed.
_SUSPECT = re.compile(r"<(?:meta|base|script|i?frame|frameset|object|embed|applet|portal|"
                      r"noscript|form)\b|\son[a-z]+\s*=|javascript:|vbscript:|"
                      r"data:(?!image/)", re.IGNORECASE)


def _dangerous_url(value: str) -> bool:
    compact = "".join(value.split()).lower()
    if compact.startswith(("javascript:", "vbscript:")):
        return True
    return compact.startswith("data:") and not compact.startswith("data:image/")


def _safe_attribute(name: str, value: str | None) -> bool:
    if name.startswith("on"):
        return False
    return not (name in URL_ATTRIBUTES and value is not None and _dangerous_url(value))


class _Finder(HTMLParser):
    """Finds the spans of the original text to remove or rewrite."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.line_starts = [0]
        for index, char in enumerate(html):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.edits: list[tuple[int, int, str]] = []  # (start, end, replacement)
        self.dropping: tuple[str, int] | None = None  # element whose content goes, from

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def _tag_end(self, start: int) -> int:
        end = self.html.find(">", start)
        return len(self.html) if end < 0 else end + 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=False)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs, closed=True)

    def _start(self, tag: str, attrs: list[tuple[str, str | None]], closed: bool) -> None:
        start = self._offset()
        text = self.get_starttag_text() or ""
        end = start + len(text)
        if self.dropping:
            return
        if tag in DROPPED_WITH_CONTENT:
            if closed:
                self.edits.append((start, end, ""))
            else:
                self.dropping = (tag, start)
            return
        if tag in DROPPED_TAGS or (tag == "meta" and any(n == "http-equiv" for n, _ in attrs)):
            self.edits.append((start, end, ""))
            return
        kept = [(n, v) for n, v in attrs if _safe_attribute(n, v)]
        if len(kept) != len(attrs):
            rebuilt = "".join(f' {n}' if v is None else
                              f' {n}="{v.replace("&", "&amp;").replace(chr(34), "&quot;")}"'
                              for n, v in kept)
            self.edits.append((start, end, f"<{tag}{rebuilt}{' /' if closed else ''}>"))

    def handle_endtag(self, tag: str) -> None:
        start = self._offset()
        if self.dropping:
            if tag == self.dropping[0]:
                self.edits.append((self.dropping[1], self._tag_end(start), ""))
                self.dropping = None
            return
        if tag in DROPPED_TAGS:
            self.edits.append((start, self._tag_end(start), ""))

    def close(self) -> None:
        super().close()
        if self.dropping:  # never closed: everything after it goes
            self.edits.append((self.dropping[1], len(self.html), ""))
            self.dropping = None


def neutralised(html: str) -> str:
    """`html` without what could redirect or script the page that shows it."""
    if not _SUSPECT.search(html):
        return html
    finder = _Finder(html)
    finder.feed(html)
    finder.close()
    if not finder.edits:
        return html
    out, at = [], 0
    for start, end, replacement in sorted(finder.edits):
        if start < at:  # inside a span already removed
            continue
        out.append(html[at:start])
        out.append(replacement)
        at = end
    out.append(html[at:])
    return "".join(out)
