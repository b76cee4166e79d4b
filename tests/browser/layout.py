"""Measuring a page's layout in the browser tests."""
from __future__ import annotations


def page_width(page) -> int:
    """The page's full width in CSS pixels, once it and its stylesheets have loaded. Right
    after a click that navigates, the new page's text can be there before its stylesheet
    applies, and an unstyled page is wider than the screen."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")
