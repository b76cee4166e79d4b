"""A built-in template brings the returns' time limit of its kind of business, unless
the workspace set its own."""
from __future__ import annotations

from tests.platform.test_api_tokens import bearer


def test_retail_sets_the_time_limit_and_a_chosen_one_stays(client, token_for):
    admin = bearer(token_for("admin"))
    imported = client.post("/api/v1/templates/retail/import", headers=admin, json={})
    assert imported.status_code == 201, imported.get_json()
    assert "set the returns' time limit to 48 hours" in imported.get_json()["summary"]
    assert client.get("/api/v1/return-settings", headers=admin).get_json() == \
        {"sla_hours": 48}
    client.put("/api/v1/return-settings", headers=admin, json={"sla_hours": 12})
    wholesale = client.post("/api/v1/templates/wholesale/import", headers=admin, json={})
    assert wholesale.status_code == 201, wholesale.get_json()
    assert not any("time limit" in line for line in wholesale.get_json()["summary"])
    assert client.get("/api/v1/return-settings", headers=admin).get_json() == \
        {"sla_hours": 12}
