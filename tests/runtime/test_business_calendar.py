"""The instance's business calendar over the API: who may read and change it, what
it refuses and where, and the audit row of a change."""
from __future__ import annotations

from sqlalchemy import select

from orderloom.runtime.audit import AuditEvent

URL = "/api/v1/business-calendar"
USUAL_HOURS = {day: {"start": "09:00", "end": "18:00"} for day in (
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
NATIONAL_DAY_2024 = {
    "weekend": ["saturday", "sunday"],
    "holidays": [{"date": f"2024-10-0{d}", "name": "国庆节"} for d in range(1, 8)],
    "workdays": [{"date": "2024-09-29", "name": "国庆节调休"},
                 {"date": "2024-10-12", "name": "国庆节调休"}],
}


def _auth(token_for, role):
    return {"Authorization": f"Bearer {token_for(role)}"}


def test_a_new_instance_rests_on_saturday_and_sunday_with_no_holidays(client, token_for):
    response = client.get(URL, headers=_auth(token_for, "viewer"))
    assert response.status_code == 200
    assert response.get_json() == {"weekend": ["saturday", "sunday"], "holidays": [],
                                   "workdays": [], "hours": USUAL_HOURS, "time_zone": "UTC"}


def test_an_admin_sets_the_national_day_and_every_user_reads_it(client, token_for, db):
    response = client.put(URL, headers=_auth(token_for, "admin"), json={
        **NATIONAL_DAY_2024, "holidays": list(reversed(NATIONAL_DAY_2024["holidays"]))})
    assert response.status_code == 200, response.get_json()
    read = client.get(URL, headers=_auth(token_for, "staff")).get_json()
    # dates come back in order; every weekday's hours, the usual ones when not set
    assert read == {**NATIONAL_DAY_2024, "hours": USUAL_HOURS, "time_zone": "UTC"}
    event = db.scalars(select(AuditEvent).where(
        AuditEvent.action == "business_calendar.changed")).one()
    assert event.details == {"weekend": ["saturday", "sunday"], "holidays": 7, "workdays": 2,
                             "hours": USUAL_HOURS}


def test_only_a_calendar_manager_may_change_it(client, token_for):
    response = client.put(URL, headers=_auth(token_for, "designer"), json=NATIONAL_DAY_2024)
    assert response.status_code == 403
    assert client.get(URL).status_code == 401


def test_a_day_both_off_and_worked_is_refused_at_its_pointer(client, token_for):
    admin = _auth(token_for, "admin")
    response = client.put(URL, headers=admin, json={
        **NATIONAL_DAY_2024,
        "workdays": [{"date": "2024-09-29", "name": "调休"}, {"date": "2024-10-03"}]})
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["pointer"] == "/workdays/1/date"
    assert "also a holiday" in response.get_json()["errors"][0]["detail"]
    assert client.get(URL, headers=admin).get_json()["holidays"] == []  # nothing written


def test_a_bad_date_is_refused_at_its_pointer(client, token_for):
    admin = _auth(token_for, "admin")
    for date, pointer in (("2024-02-30", "/holidays/1/date"), ("10/01/2024", "/holidays/1/date"),
                          ("2024-10-01", "/holidays/1/date")):
        response = client.put(URL, headers=admin, json={"holidays": [
            {"date": "2024-10-01", "name": "国庆节"}, {"date": date}]})
        assert response.status_code == 422, date
        assert response.get_json()["errors"][0]["pointer"] == pointer


def test_a_week_with_no_working_day_or_an_unknown_day_is_refused(client, token_for):
    admin = _auth(token_for, "admin")
    everyday = client.put(URL, headers=admin, json={"weekend": [
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]})
    assert everyday.status_code == 422
    assert everyday.get_json()["errors"][0]["pointer"] == "/weekend"
    odd = client.put(URL, headers=admin, json={"weekend": ["friday", "caturday"]})
    assert odd.status_code == 422
    assert odd.get_json()["errors"][0]["pointer"].startswith("/weekend")


def retail_with_a_ship_by_date():
    from tests.designer.samples import retail
    definition = retail()
    definition["form"]["fields"] += [
        {"key": "paid_on", "type": "date", "label": {"en": "Paid on"}},
        {"key": "ship_by", "type": "computed", "label": {"en": "Ship by"},
         "formula": "WORKDAY(paid_on, 1)", "result_type": "date"},
        {"key": "ship_by_excel", "type": "computed", "label": {"en": "Ship by, Excel's"},
         "formula": "WORKDAY(paid_on, 1, [])", "result_type": "date"},
    ]
    definition["form"]["layout"][1]["fields"] += ["paid_on", "ship_by", "ship_by_excel"]
    return definition


def test_an_orders_workday_formula_skips_the_holidays_and_works_the_make_up_days(
        client, token_for):
    from tests.runtime.support import SAMPLE
    designer = _auth(token_for, "designer")
    imported = client.post("/api/v1/import", headers=designer, json={
        "format": "orderloom-package/1", "order_types": [retail_with_a_ship_by_date()]})
    assert imported.status_code == 201, imported.get_json()
    staff = _auth(token_for, "staff")

    def ship_by(paid_on):
        created = client.post("/api/v1/orders", headers=staff, json={
            "order_type": "retail_order", "data": {**SAMPLE, "paid_on": paid_on}})
        assert created.status_code == 201, created.get_json()
        return created.get_json()["data"]["ship_by"], created.get_json()["data"]["ship_by_excel"]

    assert ship_by("2024-09-30") == ("2024-10-01", "2024-10-01")  # no calendar yet
    assert client.put(URL, headers=_auth(token_for, "admin"),
                      json=NATIONAL_DAY_2024).status_code == 200
    assert ship_by("2024-09-30") == ("2024-10-08", "2024-10-01")
    assert ship_by("2024-09-27") == ("2024-09-29", "2024-09-30")  # a make-up Sunday


def test_a_designers_dry_run_counts_business_days_as_orders_will(client, token_for):
    from tests.runtime.support import SAMPLE
    assert client.put(URL, headers=_auth(token_for, "admin"),
                      json=NATIONAL_DAY_2024).status_code == 200
    response = client.post("/api/v1/definitions/simulate", headers=_auth(token_for, "designer"),
                           json={"definition": retail_with_a_ship_by_date(),
                                 "data": {**SAMPLE, "paid_on": "2024-09-30"}})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["computed"]["ship_by"] == "2024-10-08"
    assert response.get_json()["computed"]["ship_by_excel"] == "2024-10-01"


def test_a_transitions_condition_counts_business_days_when_listed_and_when_taken(
        client, token_for):
    from tests.runtime.support import SAMPLE
    definition = retail_with_a_ship_by_date()
    submit = definition["workflow"]["transitions"][0]
    # Submitted only with at least 3 working days left before the 8th of October.
    submit["condition"] = "NETWORKDAYS(paid_on, DATE(2024, 10, 7)) >= 3"
    assert client.post("/api/v1/import", headers=_auth(token_for, "designer"), json={
        "format": "orderloom-package/1", "order_types": [definition]}).status_code == 201
    staff = _auth(token_for, "staff")
    created = client.post("/api/v1/orders", headers=staff, json={
        "order_type": "retail_order", "data": {**SAMPLE, "paid_on": "2024-09-30"}})
    number = created.get_json()["number"]
    listed = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["transitions"]
    assert "blocked" not in next(t for t in listed if t["key"] == "submit")  # Excel's count: 6
    assert client.put(URL, headers=_auth(token_for, "admin"),
                      json=NATIONAL_DAY_2024).status_code == 200
    listed = client.get(f"/api/v1/orders/{number}", headers=staff).get_json()["transitions"]
    assert "its condition is not met" in next(
        t for t in listed if t["key"] == "submit")["blocked"]  # only September 30 is worked
    taken = client.post(f"/api/v1/orders/{number}/transitions/submit", headers=staff, json={})
    assert taken.status_code == 422, taken.get_json()
