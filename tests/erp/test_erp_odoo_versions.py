"""Odoo 18 renamed account.payment's ``ref`` to ``memo``: the client asks the server
its version and writes the field that release has, so payments (and finding them
again on a retry) work against Odoo 17 and 18 alike. The fake refuses the other
field as Odoo does."""
from __future__ import annotations

import pytest

from orderloom.runtime.erp.client import Refused
from orderloom.runtime.erp.odoo import OdooClient
from tests.erp.conftest import connect, run_due_jobs
from tests.erp.fake_erp import ODOO_DB, ODOO_KEY, ODOO_LOGIN, FakeOdoo
from tests.payments.conftest import pay, refund
from tests.runtime.support import create


@pytest.fixture(params=[17, 18])
def odoo_release(request):
    with FakeOdoo(version=request.param) as fake:
        fake.add_product("TEA-01", "Longjing tea", "1250.50")
        fake.add_product("CUP-02", "Tea cup", "19.90")
        yield fake


def test_payments_reach_odoo_17_and_18_once_in_the_field_each_has(app, client, admin,
                                                                  odoo_release):
    fake = odoo_release
    connection = connect(client, admin, "odoo", fake).get_json()
    test = client.post(f"/api/v1/erp/connections/{connection['id']}/test",
                       headers=admin).get_json()
    assert test == {"ok": True, "detail": f"logged in to Odoo {fake.version}.0 database "
                                          "'orderloom-test' as user 2"}
    number = create(client, admin).get_json()["number"]
    pay(client, admin, number, "1000.00")
    # A second payment whose first attempt fails: the retry looks for it by its
    # reference in the same field before making it.
    fake.failures = [503]
    pay(client, admin, number, "1560.70")
    run_due_jobs(app)
    refund(client, admin, number, "60.00")
    paid = sorted((fake.payment_reference(p), p["amount"])
                  for p in fake.records["account.payment"].values())
    assert [amount for _, amount in paid] == [1000.0, 1560.7]
    assert all(reference.startswith(f"{number}/") for reference, _ in paid)
    renamed = "ref" if fake.version >= 18 else "memo"
    assert not any(renamed in p for p in fake.records["account.payment"].values())
    assert [m["amount_total"] for m in fake.credit_notes()] == [60.0]
    log = client.get(f"/api/v1/erp/connections/{connection['id']}", headers=admin).get_json()
    assert {a["outcome"] for a in log["attempts"] if a["number"] > 1} <= {"sent"}
    assert not [a for a in log["attempts"] if a["outcome"] == "refused"]


def test_odoo_refuses_a_field_its_release_does_not_have(odoo_release,
                                                       outbound_to_loopback):
    client = OdooClient(odoo_release.url, ODOO_DB, ODOO_LOGIN, ODOO_KEY)
    other = "ref" if odoo_release.version >= 18 else "memo"
    with pytest.raises(Refused, match=f"Invalid field '{other}'"):
        client.call("account.payment", "search", [[[other, "=", "SO-1/1"]]])
    assert client.find_payment("SO-1/1") is None
