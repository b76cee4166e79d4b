"""``orderloom templates``, run as a person runs it: a separate process."""
from __future__ import annotations

from tests.platform.test_cli import run
from tests.templates.samples import TEMPLATE_KEYS


def test_templates_list_prints_one_line_per_template(tmp_path):
    result = run(["templates", "list"], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == sorted(TEMPLATE_KEYS)
    retail = next(line for line in lines if line.startswith("retail"))
    assert "Multichannel retail / 多渠道零售电商" in retail
    assert "(order types: retail_order)" in retail


def test_templates_import_reports_what_it_did_and_a_clash_imports_nothing(tmp_path):
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    first = run(["templates", "import", "catering"], tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines() == [
        "created order type catering_order (version 1)",
        "created roles: kitchen, dispatcher, events_manager",
        "created warehouses: CK-PD, CK-MH",
        "created products: BENTO-CHK, BENTO-BEEF, BENTO-VEG, SANDWICH-BOX, FRUIT-PLATTER, "
        "DIM-SUM-SET, SALAD-BOWL, COFFEE-POT, JUICE-1L, HALAL-BENTO",
        "created customers: F-4001, F-4002, F-4003, F-4004, F-4005",
        "created channels: meituan, phone_orders",
        "received 3120 units of opening stock",
    ]
    again = run(["templates", "import", "catering"], tmp_path)
    assert again.returncode == 1
    assert again.stderr.splitlines() == [
        "catering: /order_types/0/key: an order type 'catering_order' exists already; "
        "import with on_conflict=rename or on_conflict=replace",
        "catering: nothing was imported",
    ]
    renamed = run(["templates", "import", "catering", "--on-conflict", "rename"], tmp_path)
    assert renamed.returncode == 0, renamed.stderr
    assert "renamed order type catering_order -> catering_order_2 (version 1)" in \
        renamed.stdout
    assert "kept existing warehouses: CK-PD, CK-MH" in renamed.stdout
    replaced = run(["templates", "import", "catering", "--on-conflict", "replace"], tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert "replaced order type catering_order (version unchanged)" in replaced.stdout


def test_an_unknown_template_lists_the_ones_there_are(tmp_path):
    result = run(["templates", "import", "bakery"], tmp_path)
    assert result.returncode == 2  # a bad argument, as for every command
    assert result.stderr.strip() == (
        "orderloom: error: bakery: there is no built-in template 'bakery'; the templates "
        "are: catering, manufacturing, retail, returns, wholesale")
