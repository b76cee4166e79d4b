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
