"""Scanning with a phone's camera on the floor's pick and pack pages, in Chromium with a
fake camera that films Code128 barcodes the test draws: each code the camera reads
goes the way a keyboard-wedge scan goes, with the same verdicts."""
from __future__ import annotations

import barcode
import pytest
from barcode.writer import ImageWriter
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.test_staff_console import log_in
from tests.browser.test_warehouse_floor import DOCS_IMG, HEIGHT, WIDTH, fits, scan
from tests.floor.conftest import admin, floor_shop, item, place, staff  # noqa: F401

# What the camera films, over and over: the bin's label, then the tea cup's barcode,
# each for 1.5 s with 0.5 s of nothing in view between them.
FILMED = ("A-2", "6901002")
FRAME = (640, 360)
FPS = 10


def barcode_frame(text: str | None) -> Image.Image:
    frame = Image.new("L", FRAME, 255)
    if text is None:
        return frame
    drawn = barcode.Code128(text, writer=ImageWriter()).render(
        {"module_width": 0.5, "module_height": 20.0, "quiet_zone": 6.0,
         "write_text": False, "dpi": 96}).convert("L")
    if drawn.width > FRAME[0] - 40:
        drawn = drawn.resize((FRAME[0] - 40, drawn.height))
    frame.paste(drawn, ((FRAME[0] - drawn.width) // 2, (FRAME[1] - drawn.height) // 2))
    return frame


def write_y4m(path, frames: list[Image.Image]) -> None:
    """A raw YUV 4:2:0 video Chromium's fake camera plays in a loop: grey frames, so
    the colour planes are flat."""
    width, height = FRAME
    flat = bytes([128]) * ((width // 2) * (height // 2) * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n" + frame.tobytes() + flat)


@pytest.fixture(scope="module")
def camera_browser(tmp_path_factory, playwright_driver):
    video = tmp_path_factory.mktemp("camera") / "barcodes.y4m"
    frames = []
    for text in FILMED:
        frames += [barcode_frame(text)] * (FPS * 3 // 2) + [barcode_frame(None)] * (FPS // 2)
    write_y4m(video, frames)
    browser = playwright_driver.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream",
                              "--use-fake-device-for-media-stream",
                              f"--use-file-for-fake-video-capture={video}"])
    yield browser
    browser.close()


@pytest.fixture
def camera_phone(camera_browser):
    context = camera_browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                         has_touch=True, is_mobile=True,
                                         permissions=["camera"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def test_the_camera_scans_the_bin_and_the_item_and_packs_the_order(
        camera_phone, live_server, client, staff, make_user):  # noqa: F811
    phone = camera_phone
    number = place(client, staff, [item("CUP-02", 2)])
    wave = client.post("/api/v1/waves", headers=staff,
                       json={"warehouse": "HZ", "orders": [number]}).get_json()["number"]
    make_user("staff", username="wang.fang")
    log_in(phone, live_server, "wang.fang")
    phone.goto(f"{live_server}/floor/waves/{wave}/pick")
    expect(phone.locator("#instruction")).to_have_text("Go to bin A-2 and scan it.")
    camera = phone.locator("#camera")
    expect(camera).to_have_text("Scan with the camera")
    box = camera.bounding_box()
    assert box["height"] >= 48 and box["width"] >= WIDTH * 0.8  # a gloved thumb hits it
    camera.click()
    expect(camera).to_have_attribute("aria-pressed", "true")
    expect(phone.locator("#camera-view")).to_be_visible()
    fits(phone)
    # The camera reads the bin, then the cup: picked as if typed by a scanner.
    # The film loops every 4 s: the cup's two showings take up to two loops.
    expect(phone.locator("#instruction")).to_have_text(
        "Everything is picked: take the wave to packing.", timeout=20_000)
    expect(phone.locator("#progress")).to_have_text("2 of 2 units")
    DOCS_IMG.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(DOCS_IMG / "floor-camera.png"))
    log = client.get(f"/api/v1/waves/{wave}/log", headers=staff).get_json()
    picks = [(e["code"], e["accepted"]) for e in reversed(log) if e["step"] == "pick"]
    # The cup filmed for 1.5 s is one unit per showing: a showing counted twice would
    # pick both cups at once (and then be refused as too many).
    assert [code for code, ok in picks if ok] == ["A-2", "6901002", "A-2", "6901002"]
    assert [code for code, ok in picks if not ok] == []
    camera.click()
    expect(camera).to_have_attribute("aria-pressed", "false")
    expect(phone.locator("#camera-view")).to_be_hidden()

    phone.goto(f"{live_server}/floor/waves/{wave}/pack")
    assert scan(phone, number) == f"Order {number}: scan each item"  # by the scanner
    phone.locator("#camera").click()
    # The bin's label is refused at the bench as a scanner's scan is; the cup ships it.
    expect(phone.locator(f'#wave-orders li[data-order="{number}"]')).to_have_text(
        f"{number} · packed", timeout=20_000)
    assert client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["state"] == \
        "shipped"
    packs = [(e["code"], e["accepted"], e["outcome"])
             for e in reversed(client.get(f"/api/v1/waves/{wave}/log",
                                          headers=staff).get_json()) if e["step"] == "pack"]
    cups = [i for i, (code, ok, _o) in enumerate(packs) if code == "6901002" and ok]
    assert len(cups) == 2  # one per showing of the cup
    assert [code for code, ok, _o in packs if code == "6901002" and not ok] == []
    # Between the two showings of the cup the bin's label was in view, and refused.
    refused = [outcome for code, ok, outcome in packs[1:cups[-1]] if code == "A-2"]
    assert refused and all(not ok for code, ok, _o in packs[1:cups[-1]] if code == "A-2")
    assert all(outcome == f"wrong item: order {number} has no A-2" for outcome in refused)
