"""The condition builder asks the server for a formula's checked tree, to read it
back into rows; a formula that is wrong is refused at its place, never a 500."""
from __future__ import annotations

from tests.designer.samples import retail
from tests.platform.test_api_tokens import bearer

URL = "/api/v1/definitions/formula-tree"


def test_a_condition_comes_back_as_the_tree_the_browser_evaluates(client, token_for):
    answer = client.post(URL, headers=bearer(token_for("designer")), json={
        "definition": retail(), "formula": 'total > 5000 AND priority IN ["rush", "normal"]'})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["type"] == "boolean"
    tree = body["ast"]
    assert (tree["k"], tree["op"]) == ("bin", "AND")
    left, right = tree["l"], tree["r"]
    assert (left["op"], left["l"]["steps"][0]["name"], left["r"]["v"]) == \
        (">", "total", {"int": "5000"})
    assert right["op"] == "IN" and [i["v"] for i in right["r"]["items"]] == ["rush", "normal"]


def test_a_mistyped_field_is_refused_at_the_formula_with_its_place(client, token_for):
    answer = client.post(URL, headers=bearer(token_for("designer")), json={
        "definition": retail(), "formula": "totl > 5000"})
    assert answer.status_code == 422
    error = answer.get_json()["errors"][0]
    assert error["pointer"] == "/formula"
    assert error["detail"] == "1:1: unknown field 'totl'; did you mean 'total'?"


def test_a_form_that_cannot_be_read_is_refused_at_its_fields(client, token_for):
    answer = client.post(URL, headers=bearer(token_for("designer")), json={
        "definition": {"form": {"fields": [{"label": "no key"}]}}, "formula": "TRUE"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["pointer"] == "/definition/form/fields"


def test_a_body_without_a_formula_is_refused_with_a_pointer(client, token_for):
    answer = client.post(URL, headers=bearer(token_for("designer")), json={"definition": {}})
    assert answer.status_code == 422
    assert "formula" in answer.get_data(as_text=True)


def test_nobody_logged_in_may_ask(client):
    answer = client.post(URL, json={"definition": retail(), "formula": "TRUE"})
    assert answer.status_code == 401


def test_a_field_of_a_type_formulas_lack_and_a_run_of_signs_are_refused_not_a_500(
        client, token_for):
    designer = bearer(token_for("designer"))
    form = retail()
    form["form"]["fields"].append({"key": "odd", "label": "Odd", "type": "computed",
                                   "formula": "1", "result_type": "bogus"})
    answer = client.post(URL, headers=designer, json={"definition": form, "formula": "TRUE"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0]["pointer"] == "/definition/form/fields"
    answer = client.post(URL, headers=designer, json={"definition": retail(),
                                                      "formula": "-" * 5000 + "1"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"][0] == {
        "pointer": "/formula",
        "detail": "1:1: the formula is nested too deeply (more than 64 levels)"}
