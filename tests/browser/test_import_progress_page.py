"""A large spreadsheet uploaded on the Imports page: the browser lands on the run's
page at once and its progress bar fills while the orders are created."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.test_staff_console import go_to, log_in
from tests.channels.support import create_channel
from tests.channels.test_files import MARKETPLACE
from tests.channels.test_import_progress import BROKEN_EVERY, large_file
from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer

SCREENSHOT = "/tmp/orderloom-import-progress.png"
# Large enough that the import takes several seconds, so the page is open while it runs.
ROWS = 1000


def test_the_progress_bar_fills_as_a_large_file_is_imported(
        page, live_server, client, token_for, make_user, tmp_path):
    designer = bearer(token_for("designer"))
    assert client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail()]}).status_code == 201
    create_channel(client, bearer(token_for("admin")), key="tmall", kind="file",
                   mapping=MARKETPLACE)
    make_user("staff", username="wang.fang")
    spreadsheet = tmp_path / "tmall-1125.csv"
    spreadsheet.write_bytes(large_file(ROWS))

    log_in(page, live_server, "wang.fang")
    go_to(page, "Imports")
    page.select_option("#import-channel", "tmall")
    page.set_input_files("#import-file", str(spreadsheet))
    page.click("#import-form button[type=submit]")
    page.wait_for_url("**/imports/*")
    # Note every value the bar shows from here on.
    page.evaluate("""() => {
        window.seen = [];
        const bar = document.getElementById('import-bar');
        const note = () => window.seen.push(Number(bar.value));
        note();
        new MutationObserver(note).observe(document.getElementById('import-percent'),
                                           {childList: true, characterData: true, subtree: true});
    }""")
    # Waited for from outside the page: its Content-Security-Policy allows no script
    # from a string, which a polled expression would be.
    expect(page.locator("#import-status")).to_have_text("done", timeout=120_000)

    failing = len(range(0, ROWS, BROKEN_EVERY))
    assert page.locator("#import-bar").get_attribute("value") is not None
    assert page.evaluate("document.getElementById('import-bar').value") == 100
    assert page.locator("#rows-done").inner_text() == str(ROWS)
    assert page.locator("#orders-created").inner_text() == str(ROWS - failing)
    assert page.locator("#rows-failed").inner_text() == str(failing)
    assert page.locator("#import-errors tbody tr").count() == failing
    assert "/order/items/0/qty" in page.locator("#import-errors").inner_text()
    seen = page.evaluate("window.seen")
    assert seen == sorted(seen) and seen[-1] == 100
    assert any(0 < value < 100 for value in seen), seen  # it was watched filling up
    page.screenshot(path=SCREENSHOT, full_page=True)

    page.click("text=All imports")
    assert "tmall-1125.csv" in page.locator("table").inner_text()
