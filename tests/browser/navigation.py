"""Moving between pages in the browser tests.

Playwright's click returns once the click is dispatched, not once the page it leads to
has loaded; a read that does not wait (a count, a list of texts) right after it can see
the page being left. `follow` is the click of a link or a submit button that waits for
the next page."""
from __future__ import annotations


def follow(page, target) -> None:
    """Click `target` (a selector or a locator) and wait until the page it leads to has
    loaded."""
    with page.expect_navigation():
        if isinstance(target, str):
            page.click(target)
        else:
            target.click()
