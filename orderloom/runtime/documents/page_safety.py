"""A printed page that can neither send staff elsewhere nor run anything.

A print template's HTML is shown to staff: the document pages, whose policy is
`default-src 'none'; form-action 'none'; base-uri 'none'`, and the designer's
preview, a frame sandboxed without scripts. Those stop scripts, event handlers,
`javascript:` links, frames, plugins, remote loads, forms and `<base>`. One thing
no Content-Security-Policy stops is `<meta http-equiv="refresh">`, which sends the
reader to another address.

So the start of each element that has no place on a printed page (`<meta>`,
`<base>`, `<link>`, `<script>`, `<noscript>`, `<iframe>`, `<frame>`,
`<frameset>`, `<object>`, `<embed>`, `<applet>`, `<portal>`, `<form>`) is
written as text (`&lt;meta ...`): the browser shows it instead of obeying it,
and the designer sees what was taken out. This is a single pass of a regular
expression with a fixed look-ahead, linear in the page: a parser of HTML would
take time the budget does not cover (Python's html.parser takes minutes on
`'<a ' * 20000`). A page without such a tag is returned byte for byte.
"""
from __future__ import annotations

import re

NOT_ON_A_PRINTED_PAGE = ("meta", "base", "link", "script", "noscript", "iframe", "frame",
                         "frameset", "object", "embed", "applet", "portal", "form")

# A tag opens where `<` is followed at once by its name and then a space, `/`, `>`
# or the end (HTML's own rule: `< meta` is text). Names are matched in any case.
_OPENING = re.compile(rf"<(?=(?:{'|'.join(NOT_ON_A_PRINTED_PAGE)})(?:[\s/>]|$))",
                      re.IGNORECASE)


def neutralised(html: str) -> str:
    """`html` with the elements that could redirect or script the page shown as text."""
    return _OPENING.sub("&lt;", html)
