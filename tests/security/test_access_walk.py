"""The permission walk over generated access: Hypothesis draws an order type whose
``access.see`` names some roles, fields and a line column seen by some roles, and a
row rule for staff and viewer; then every GET route of the API and the pages, the
export, print documents and webhook payloads are read as each built-in role and
scanned for what that role may not see: the order's number and every value when the
type or the row rule hides the order, the hidden fields' values otherwise. Any seed
passes (Hypothesis prints the failing example)."""
from __future__ import annotations

import itertools
import json
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from orderloom.platform import accounts
from orderloom.runtime.audit import SYSTEM
from orderloom.runtime.notify.webhooks import WebhookDelivery, WebhookSubscription
from tests.conftest import TEST_PASSWORD, csrf_from
from tests.designer.samples import retail
from tests.runtime.support import SAMPLE

ROLES = ("admin", "designer", "staff", "viewer")
OTHERS = ROLES[1:]
COUNTER = itertools.count(1)

# Who else (besides admin, who enters the order) sees the type, each field and the
# line column; the row rules of staff and viewer (mine: the order, entered by admin,
# is not theirs).
some_roles = st.frozensets(st.sampled_from(OTHERS))
worlds = st.fixed_dictionaries({
    "type_see": st.one_of(st.none(), some_roles),
    "fields": st.lists(some_roles, min_size=1, max_size=3),
    "column": some_roles,
    "rows": st.fixed_dictionaries({"staff": st.sampled_from(["all", "mine"]),
                                   "viewer": st.sampled_from(["all", "mine"])}),
})


def _person(app, username: str, roles: list[str]):
    with app.extensions["orderloom.db"].sessions() as session:
        user = accounts.create_user(session, SYSTEM, username, TEST_PASSWORD, roles)
        secret = accounts.issue_token(session, SYSTEM, user, "walk")[1]
        session.commit()
    browser = app.test_client()
    assert browser.post("/login", data={
        "username": username, "password": TEST_PASSWORD,
        "csrf_token": csrf_from(browser.get("/login").get_data(as_text=True))}
    ).status_code == 302
    return browser, {"Authorization": f"Bearer {secret}"}


def _url(rule, number: str, key: str) -> str:
    values = {"number": number, "key": key, "kind": "order", "order_type": key,
              "code": SAMPLE["customer"]["code"]}

    def fill(match: re.Match[str]) -> str:
        converter, name = match.group(1), match.group(2)
        if name in values:
            return values[name]
        return {"int": "1", "path": "no/such/file.txt"}.get(converter or "", "no-such-thing")

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", fill, rule.rule)


@settings(max_examples=2, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture,
                                 HealthCheck.too_slow])
@given(world=worlds)
def test_no_route_export_webhook_or_page_leaks_a_hidden_order_or_value(
        app, outbound_to_loopback, world):
    n = next(COUNTER)  # each example adds its own type, people and roles to the database
    key, prefix = f"walk_{n}", f"WALK{n}Q"
    definition = retail()
    definition.update(key=key, number_prefix=prefix, name={"en": f"Walk {n}"})
    if world["type_see"] is not None:
        definition["access"] = {"see": {"roles": sorted({"admin", *world["type_see"]})}}
        # A transition's roles must be ones the type lets act (the designer says so).
        for transition in definition["workflow"]["transitions"]:
            transition["roles"] = [r for r in transition.get("roles", [])
                                   if r in definition["access"]["see"]["roles"]] or ["admin"]
    markers: dict[str, frozenset[str]] = {}
    data = {**SAMPLE}
    for index, seers in enumerate(world["fields"]):
        field = f"f{index}_memo"
        definition["form"]["fields"].append({
            "key": field, "type": "text", "label": {"en": f"Memo {index}"},
            "access": {"see": sorted({"admin", *seers})}})
        data[field] = f"HID{n}F{index}X{7919 * n + index:06d}"
        markers[data[field]] = frozenset({"admin", *seers})
    items = next(f for f in definition["form"]["fields"] if f["key"] == "items")
    items["fields"].append({"key": "lot", "type": "text", "label": {"en": "Lot"},
                            "access": {"see": sorted({"admin", *world["column"]})}})
    lot = f"LOT{n}X{104729 * n:08d}"
    markers[lot] = frozenset({"admin", *world["column"]})
    data["items"] = [{**line, "lot": lot} for line in SAMPLE["items"]]

    people = {role: _person(app, f"walk{n}-{role}", [role]) for role in ROLES}
    admin_browser, admin = people["admin"]
    for role, rule in world["rows"].items():
        assert admin_browser.patch(f"/api/v1/roles/{role}", headers=admin,
                                   json={"row_rule": rule}).status_code == 200
    # A subscription set up by someone holding the role and one that only manages
    # webhooks: seen as both, so it receives what the role may see of the type and
    # the fields (rows: the webhook role sees every order).
    hook = f"hooks{n}"
    with app.extensions["orderloom.db"].sessions() as session:
        accounts.create_role(session, SYSTEM, hook, "", ["webhooks.manage"])
        session.commit()
    subscribed = {}
    for role in ROLES:
        browser, token = _person(app, f"walk{n}-hook-{role}", [role, hook])
        made = browser.post("/api/v1/webhooks", headers=token, json={
            "name": role, "url": "http://127.0.0.1:9/hook", "events": ["*"]})
        assert made.status_code == 201, made.get_json()
        subscribed[made.get_json()["id"]] = role
    imported = admin_browser.post("/api/v1/import", headers=admin, json={
        "format": "orderloom-package/1", "order_types": [definition]})
    assert imported.status_code == 201, (world, imported.get_json())
    created = admin_browser.post("/api/v1/orders", headers=admin,
                                 json={"order_type": key, "data": data})
    assert created.status_code == 201, (world, created.get_json())
    number = created.get_json()["number"]

    def sees_type(role: str) -> bool:
        return world["type_see"] is None or role in {"admin", *world["type_see"]}

    def sees_order(role: str) -> bool:
        return sees_type(role) and world["rows"].get(role, "all") == "all"

    gets = [_url(rule, number, key) for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and not rule.rule.startswith("/static")
            and rule.endpoint != "pages.logout"]
    gets += [f"/orders?order_type={key}&" + "&".join(
                 f"columns=field:{f}" for f in data if f.startswith("f")),
             f"/api/v1/orders/export?order_type={key}&format=csv",
             "/api/v1/orders/export?format=csv",
             f"/api/v1/orders/{number}/documents/invoice",
             f"/api/v1/orders/{number}/documents/packing_slip",
             f"/api/v1/orders?q={prefix}", f"/orders?q={prefix}"]
    leaks, checked = [], 0
    for role in ROLES:
        browser, token = people[role]
        hidden = [m for m, seers in markers.items()
                  if not sees_order(role) or role not in seers]
        if not sees_order(role):
            hidden.append(number)
        for url in gets:
            response = browser.get(url, headers=token if url.startswith("/api/") else {})
            body = response.get_data(as_text=True)
            response.close()
            assert response.status_code < 500, (world, role, url, body[:300])
            checked += 1
            if number in url and not sees_order(role):
                # Asked by its number, a hidden order is one that does not exist; the
                # refusal may echo the number asked for, nothing else of the order.
                assert response.status_code in (302, 403, 404), (world, role, url)
                if response.status_code == 302:
                    # The page it sends to says the number asked for was not found.
                    browser.get(response.location).close()
                leaks += [f"{role} {url}: {m}" for m in hidden if m in body and m != number]
                continue
            leaks += [f"{role} {url}: {m}" for m in hidden if m in body]
        # Not vacuous: the order answers with what the role may see, or is absent.
        own = browser.get(f"/api/v1/orders/{number}", headers=token)
        assert own.status_code == (200 if sees_order(role) else 404), (world, role)
        if sees_order(role):
            text = own.get_data(as_text=True)
            assert all(m in text for m, seers in markers.items() if role in seers), role

    with app.extensions["orderloom.db"].sessions() as session:
        told = session.execute(select(WebhookDelivery.subscription_id, WebhookDelivery.payload)
                               .where(WebhookDelivery.subscription_id.in_(subscribed))).all()
        paused = session.scalars(select(WebhookSubscription.id).where(
            WebhookSubscription.id.in_(subscribed),
            WebhookSubscription.active.is_(False))).all()
    assert not paused  # seen as the webhook role too, which sees every order
    for subscription_id, payload in told:
        role = subscribed[subscription_id]
        body = json.dumps(payload)
        hidden = [m for m, seers in markers.items() if not sees_type(role) or role not in seers]
        leaks += [f"webhook of {role}: {m}" for m in hidden if m in body]
        if not sees_type(role):
            leaks += [f"webhook of {role}: {number}"] if number in body else []
    assert {subscribed[s] for s, _ in told} == {r for r in ROLES if sees_type(r)}, world
    assert not leaks, f"{world}:\n" + "\n".join(leaks)
    assert checked > 4 * 100
