"""The permission walk with field access: for generated definitions whose fields and
line columns are hidden from some roles, every GET route of the API and the pages,
for every built-in role, is scanned for the hidden values; searching by them must not
find the order either. A seeded random walk: any seed passes (set
ORDERLOOM_WALK_SEED to repeat one; a failure names its seed)."""
from __future__ import annotations

import os
import random
import re

import pytest

from orderloom.platform.permissions import BUILTIN_ROLES
from tests.designer.samples import retail
from tests.runtime.support import SAMPLE

ROLES = ("admin", "designer", "staff", "viewer")
# The seeds are drawn from the run's own id when the tests run in several processes,
# so that every process collects the same two.
_RUN = random.Random(os.environ.get("PYTEST_XDIST_TESTRUNUID"))
SEEDS = [int(os.environ["ORDERLOOM_WALK_SEED"])] if os.environ.get("ORDERLOOM_WALK_SEED") \
    else [_RUN.randrange(10**6) for _ in range(2)]


def _generated(rng: random.Random) -> tuple[dict, dict[str, frozenset[str]], dict[str, str]]:
    """A retail definition with extra text fields and a text column, each seen by a
    random set of roles (admin always, so admin can enter them); the fields' and the
    column's markers; and who sees each marker."""
    d = retail()
    seen_by: dict[str, frozenset[str]] = {}
    markers: dict[str, str] = {}
    for index in range(rng.randint(1, 3)):
        key = f"f{index}_{rng.choice(['cost', 'memo', 'ref', 'code'])}"
        others = frozenset(r for r in ROLES[1:] if rng.random() < 0.4)
        access: dict = {"see": sorted({"admin", *others})}
        if rng.random() < 0.5:
            access["edit"] = ["admin"]
        field = {"key": key, "type": "text", "label": {"en": f"Extra {index}"},
                 "access": access}
        d["form"]["fields"].append(field)
        if rng.random() < 0.5:  # placed in the layout, or left for "Other fields"
            d["form"]["layout"][1]["fields"].append(key)
        markers[key] = f"HIDDEN{index}X{rng.randrange(10**8):08d}"
        seen_by[markers[key]] = frozenset({"admin", *others})
    items = next(f for f in d["form"]["fields"] if f["key"] == "items")
    others = frozenset(r for r in ROLES[1:] if rng.random() < 0.4)
    items["fields"].append({"key": "lot", "type": "text", "label": {"en": "Lot"},
                            "access": {"see": sorted({"admin", *others})}})
    lot = f"LOTX{rng.randrange(10**8):08d}"
    seen_by[lot] = frozenset({"admin", *others})
    markers["items.lot"] = lot
    return d, seen_by, markers


def _url(rule, number: str) -> str:
    values = {"number": number, "key": "retail_order", "kind": "order",
              "order_type": "retail_order", "code": SAMPLE["customer"]["code"]}

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if name in values:
            return values[name]
        return {"int": "1", "path": "no/such/file.txt"}.get(converter or "", "no-such-thing")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


def _logged_in(app, role: str):
    from orderloom.platform import accounts
    from orderloom.runtime.audit import SYSTEM
    from tests.conftest import TEST_PASSWORD, csrf_from

    with app.extensions["orderloom.db"].sessions() as session:
        user = accounts.create_user(session, SYSTEM, f"sight-{role}", TEST_PASSWORD, [role])
        secret = accounts.issue_token(session, SYSTEM, user, "walk")[1]
        session.commit()
    browser = app.test_client()
    assert browser.post("/login", data={
        "username": f"sight-{role}", "password": TEST_PASSWORD,
        "csrf_token": csrf_from(browser.get("/login").get_data(as_text=True))}
    ).status_code == 302
    return browser, {"Authorization": f"Bearer {secret}"}


@pytest.mark.parametrize("seed", SEEDS)
def test_no_route_shows_a_hidden_value_to_a_role_that_may_not_see_it(app, seed):
    rng = random.Random(seed)
    definition, seen_by, markers = _generated(rng)
    people = {role: _logged_in(app, role) for role in ROLES}
    admin_browser, admin = people["admin"]
    imported = admin_browser.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, (seed, imported.get_json())
    data = {**SAMPLE, **{k: v for k, v in markers.items() if "." not in k},
            "items": [{**line, "lot": markers["items.lot"]} for line in SAMPLE["items"]]}
    created = admin_browser.post("/api/v1/orders", headers=admin, json={
        "order_type": "retail_order", "data": data})
    assert created.status_code == 201, (seed, created.get_json())
    number = created.get_json()["number"]
    # An edit quotes the changed values on the timeline.
    edited = {k: v + "E" for k, v in markers.items() if "." not in k}
    assert admin_browser.patch(f"/api/v1/orders/{number}", headers=admin,
                               json={"data": edited}).status_code == 200
    every = {**{m: r for m, r in seen_by.items()},
             **{v: seen_by[markers[k]] for k, v in edited.items()}}

    leaks, checked = [], 0
    gets = [_url(rule, number) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.rule.startswith("/static")
            and rule.endpoint != "pages.logout"]
    field_keys = [k for k in markers if "." not in k]
    gets += ["/orders?order_type=retail_order&"
             + "&".join(f"columns=field:{k}" for k in field_keys),
             "/api/v1/orders/export?order_type=retail_order&format=csv",
             f"/api/v1/orders/{number}/documents/invoice",
             f"/api/v1/orders/{number}/documents/packing_slip"]
    for role in ROLES:
        browser, token = people[role]
        hidden = [m for m, roles in every.items() if role not in roles]
        for url in gets:
            response = browser.get(url, headers=token if url.startswith("/api/") else {})
            body = response.get_data(as_text=True)
            response.close()
            assert response.status_code < 500, (seed, role, url, body[:300])
            checked += 1
            leaks += [f"{role} {url}: {m}" for m in hidden if m in body]
        # Searching by a hidden value finds nothing; by a visible one, the order.
        for marker, roles in seen_by.items():
            for url in (f"/api/v1/orders?q={marker}", f"/orders?q={marker}"):
                response = browser.get(url, headers=token if url.startswith("/api/") else {})
                found = number in response.get_data(as_text=True)
                if found != (role in roles):
                    leaks.append(f"{role} {url}: found={found}")
        # Not vacuous: the order's own answer shows every value the role may see.
        own = browser.get(f"/api/v1/orders/{number}", headers=token).get_data(as_text=True)
        missing = [m for m, roles in every.items() if role in roles and m in markers.values()
                   and m not in own and m + "E" not in own]
        assert not missing, (seed, role, missing)
    assert not leaks, f"seed {seed}:\n" + "\n".join(leaks)
    assert all("orders.view" in BUILTIN_ROLES[role][1] for role in ROLES)
    assert checked > 4 * 100
