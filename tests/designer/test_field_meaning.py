"""What a field holds (its meaning), as the designer saves it: kept in the draft, in
every published version and through export and import; a meaning given twice is a
problem at the field that repeats it, and both fields keep what they were given."""
from __future__ import annotations

import pytest

from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer


@pytest.fixture
def designer(client, token_for):
    return bearer(token_for("designer"))


def with_meanings():
    d = retail()
    fields = {f["key"]: f for f in d["form"]["fields"]}
    fields["note"]["meaning"] = "note"
    fields["ship_to"]["meaning"] = "ship_to"
    columns = {c["key"]: c for c in fields["items"]["fields"]}
    columns["qty"]["meaning"] = "quantity"
    columns["price"]["meaning"] = "unit_price"
    return d


def meanings(definition):
    found = {}
    for f in definition["form"]["fields"]:
        if "meaning" in f:
            found[f["key"]] = f["meaning"]
        for c in f.get("fields", []):
            if "meaning" in c:
                found[f"{f['key']}.{c['key']}"] = c["meaning"]
    return found


DECLARED = {"note": "note", "ship_to": "ship_to", "items.qty": "quantity",
            "items.price": "unit_price"}


def test_a_meaning_is_kept_in_the_draft_the_version_and_the_export(client, designer):
    assert client.post("/api/v1/order-types", json=retail(), headers=designer).status_code == 201
    saved = client.put("/api/v1/order-types/retail_order/draft", json=with_meanings(),
                       headers=designer)
    assert saved.status_code == 200 and saved.get_json()["errors"] == []
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()
    assert meanings(draft["draft"]) == DECLARED

    assert client.post("/api/v1/order-types/retail_order/publish",
                       headers=designer).status_code == 201
    version = client.get("/api/v1/order-types/retail_order/versions/1",
                         headers=designer).get_json()
    assert meanings(version["definition"]) == DECLARED

    package = client.get("/api/v1/order-types/retail_order/export", headers=designer).get_json()
    assert meanings(package["order_types"][0]) == DECLARED
    imported = client.post("/api/v1/import?on_conflict=rename", json=package, headers=designer)
    assert imported.status_code == 201
    [copy_key] = imported.get_json()["renamed"].values()
    copy = client.get(f"/api/v1/order-types/{copy_key}/versions/1", headers=designer).get_json()
    assert meanings(copy["definition"]) == DECLARED


def test_taking_off_a_meaning_leaves_the_field_without_one(client, designer):
    client.post("/api/v1/order-types", json=with_meanings(), headers=designer)
    d = with_meanings()
    del next(f for f in d["form"]["fields"] if f["key"] == "note")["meaning"]
    client.put("/api/v1/order-types/retail_order/draft", json=d, headers=designer)
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    assert "note" not in meanings(draft)


def test_a_meaning_given_twice_is_a_problem_at_the_second_field_and_moves_nothing(
        client, designer):
    d = with_meanings()
    d["form"]["fields"].append({"key": "remarks", "type": "text", "label": {"en": "Remarks"},
                                "meaning": "note"})
    index = len(d["form"]["fields"]) - 1
    client.post("/api/v1/order-types", json=retail(), headers=designer)
    # What the designer asks while the user chooses, and what saving answers.
    checked = client.post("/api/v1/definitions/check-draft", json=d, headers=designer).get_json()
    saved = client.put("/api/v1/order-types/retail_order/draft", json=d, headers=designer)
    for errors in (checked["errors"], saved.get_json()["errors"]):
        assert [(e["pointer"], e["detail"]) for e in errors] == [
            (f"/form/fields/{index}/meaning", "'note' already means note; one field per meaning")]
    draft = client.get("/api/v1/order-types/retail_order", headers=designer).get_json()["draft"]
    assert meanings(draft)["note"] == "note" and meanings(draft)["remarks"] == "note"
    body = assert_problem(client.post("/api/v1/order-types/retail_order/publish",
                                      headers=designer), 422)
    assert [e["pointer"] for e in body["errors"]] == [f"/form/fields/{index}/meaning"]
