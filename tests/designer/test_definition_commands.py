"""orderloom check / export / import, as a person runs them."""
from __future__ import annotations

import json

from tests.designer.samples import retail
from tests.platform.test_cli import run


def test_check_accepts_a_valid_file(tmp_path):
    path = tmp_path / "retail.json"
    path.write_text(json.dumps(retail()), encoding="utf-8")
    result = run(["check", str(path)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: a valid order type definition"


def test_check_prints_every_problem_with_pointer_and_position(tmp_path):
    d = retail()
    d["rules"][0]["when"] = 'priorty = "rush"'
    d["workflow"]["transitions"][0]["required_fields"] = ["custmer"]
    path = tmp_path / "retail.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    result = run(["check", str(path)], tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{path}: /rules/0/when 1:1: unknown field 'priorty'; did you mean 'priority'?" \
        in lines
    assert (f"{path}: /workflow/transitions/0/required_fields/0: there is no field 'custmer'; "
            "did you mean 'customer'?") in lines
    assert lines[-1] == f"{path}: 2 problems"


def test_check_reports_malformed_json_with_its_position(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"key": "x",\n  "name": }', encoding="utf-8")
    result = run(["check", str(path)], tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == f"{path}:2:11: not valid JSON: Expecting value"


def test_import_then_export_round_trips(tmp_path):
    assert run(["init", "--admin-password", "tidy-harbour-42"], tmp_path).returncode == 0
    package = tmp_path / "in.json"
    package.write_text(json.dumps({"format": "orderloom-package/1", "order_types": [retail()]}),
                       encoding="utf-8")
    imported = run(["import", str(package)], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip() == "created retail_order (version 1)"
    exported = run(["export", "-o", str(tmp_path / "out.json")], tmp_path)
    assert exported.returncode == 0, exported.stderr
    again = run(["import", str(tmp_path / "out.json")], tmp_path)
    assert again.returncode == 1
    assert "exists already" in again.stderr
    assert again.stderr.strip().endswith("nothing was imported")
    replaced = run(["import", "--on-conflict", "replace", str(tmp_path / "out.json")], tmp_path)
    assert replaced.stdout.strip() == "replaced retail_order (version unchanged)"
    second = run(["export"], tmp_path)
    assert second.stdout == (tmp_path / "out.json").read_text(encoding="utf-8")


def test_an_export_passes_check_and_brings_its_roles_to_a_new_instance(tmp_path):
    # Once `orderloom check` refused the export of the same instance: "there is no role
    # 'kitchen'", for every transition a custom role may take.
    shop, fresh = tmp_path / "shop", tmp_path / "fresh"
    shop.mkdir()
    fresh.mkdir()
    assert run(["init", "--admin-password", "tidy-harbour-42"], shop).returncode == 0
    assert run(["templates", "import", "catering"], shop).returncode == 0
    package = tmp_path / "catering.orderloom.json"
    assert run(["export", "-o", str(package)], shop).returncode == 0
    checked = run(["check", str(package)], tmp_path)
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.strip() == f"{package}: a valid template package"
    assert {"name": "kitchen", "description": "Prepares the food"} in json.loads(
        package.read_text(encoding="utf-8"))["roles"]

    assert run(["init", "--admin-password", "tidy-harbour-42"], fresh).returncode == 0
    imported = run(["import", str(package)], fresh)
    assert imported.returncode == 0, imported.stderr
    assert "created role kitchen" in imported.stdout.splitlines()
    user = run(["user", "create", "chef.wang", "--role", "kitchen", "--password",
                "tidy-harbour-43"], fresh)
    assert user.returncode == 0, user.stderr


def test_a_role_nobody_made_is_named_with_where_to_make_it(tmp_path):
    d = retail()
    d["workflow"]["transitions"][0]["roles"] = ["kitchen"]
    path = tmp_path / "retail.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    result = run(["check", str(path)], tmp_path)
    assert result.returncode == 1
    assert ("there is no role 'kitchen'; create it (POST /api/v1/roles) or list it in the "
            "package's roles") in result.stderr
