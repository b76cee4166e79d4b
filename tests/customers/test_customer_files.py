"""Customers from a CRM's CSV or Excel file, and back out: all rows or none, or every
good row when asked, and always which rows were bad and why."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook, load_workbook

from tests.customers.conftest import order_for

API = "/api/v1/customers"


def upload(client, headers, content: bytes, filename="customers.csv", **form):
    return client.post(f"{API}/import", headers=headers, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(content), filename), **form})


def codes(client, headers):
    return sorted(c["code"] for c in
                  client.get(f"{API}?limit=200", headers=headers).get_json()["customers"])


GOOD_AND_BAD = (
    b"code,name,email,phone,tags,tier,credit_limit\n"
    b"CRM-1,Wang Fang,wf@example.com,13800138001,vip; repeat,gold,5000.00\n"
    b"CRM-2,,x@example.com,,,,\n"
    b"CRM-3,Li Ming,not-an-email,,,,\n"
    b"CRM-1,Again,,,,,\n"
    b"CRM-4,Zhao Lei,,,,silver,\n"
)


def test_a_file_with_bad_rows_stores_nothing_and_names_every_bad_row(client, staff):
    response = upload(client, staff, GOOD_AND_BAD)
    assert response.status_code == 422
    problem = response.get_json()
    assert problem["detail"].startswith("nothing was imported because 3 row(s) are wrong")
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [
        (3, "name"), (4, "email"), (5, "code")]
    assert problem["errors"][0]["pointer"] == "/file/rows/3/name"
    assert problem["errors"][2]["detail"] == "row 5: the code 'CRM-1' is on row 2 already"
    assert codes(client, staff) == []


def test_skip_bad_rows_stores_every_good_row_and_lists_the_rest(client, staff):
    response = upload(client, staff, GOOD_AND_BAD, skip_bad_rows="true")
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["created"] == 2 and report["stored"] == "every good row"
    assert [s["row"] for s in report["skipped"]] == [3, 4, 5]
    assert codes(client, staff) == ["CRM-1", "CRM-4"]
    wang = client.get(f"{API}/CRM-1", headers=staff).get_json()
    assert wang["tags"] == ["vip", "repeat"]
    assert wang["attributes"] == {"tier": "gold", "credit_limit": "5000.00"}


def test_a_second_file_updates_by_code_and_leaves_empty_cells_alone(client, staff):
    order_for(client, staff, {"code": "CRM-1", "name": "W. Fang", "email": "wf@example.com"})
    content = (b"code,name,phone,tier\n"
               b"CRM-1,Wang Fang,,gold\n"
               b"CRM-9,Sun Li,+86 139 0000 0000,\n")
    report = upload(client, staff, content).get_json()
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 0)
    wang = client.get(f"{API}/CRM-1", headers=staff).get_json()
    assert wang["name"] == "Wang Fang" and wang["email"] == "wf@example.com"
    assert wang["orders"]["all"] == 1
    assert client.get(f"{API}/CRM-9", headers=staff).get_json()["phone"] == "+8613900000000"
    again = upload(client, staff, content).get_json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)


def test_an_excel_file_is_read_like_a_csv(client, staff):
    book = Workbook()
    sheet = book.active
    sheet.append(["code", "name", "credit_limit"])
    sheet.append(["X-1", "杭州木语家居", 19.9])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, staff, out.getvalue(), "crm.xlsx")
    assert response.status_code == 201, response.get_json()
    customer = client.get(f"{API}/X-1", headers=staff).get_json()
    assert customer["name"] == "杭州木语家居"
    assert customer["attributes"] == {"credit_limit": "19.9"}


def test_files_that_are_not_customer_tables_are_refused(client, staff):
    no_code = upload(client, staff, b"name,email\nWang,wf@example.com\n")
    assert no_code.status_code == 422
    assert no_code.get_json()["errors"][0]["pointer"] == "/file"
    assert "code" in no_code.get_json()["detail"]
    empty = upload(client, staff, b"")
    assert empty.status_code == 422
    broken = upload(client, staff, b"PK\x03\x04 not really a workbook", "crm.xlsx")
    assert broken.status_code == 422
    not_multipart = client.post(f"{API}/import", headers=staff, json={})
    assert not_multipart.status_code == 415
    assert codes(client, staff) == []


def test_export_then_import_again_changes_nothing(client, staff):
    order_for(client, staff, {"code": "C1", "name": "=HYPERLINK(\"x\")", "tier": "gold"})
    client.post(API, headers=staff, json={"code": "C2", "name": "Li", "tags": ["a", "b"]})
    exported = client.get(f"{API}/export?format=csv", headers=staff)
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith("attachment; filename=")
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["code"] for r in rows] == ["C1", "C2"]
    assert rows[0]["name"] == "'=HYPERLINK(\"x\")"  # never run as a formula
    assert rows[0]["lifetime_value"] == "2560.70" and rows[0]["tier"] == "gold"
    assert rows[1]["tags"] == "a; b" and rows[1]["segment"] == "prospect"
    xlsx = client.get(f"{API}/export?format=xlsx", headers=staff)
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert [c.value for c in sheet[1]][:2] == ["code", "name"]
    again = upload(client, staff, xlsx.get_data(), "back.xlsx").get_json()
    assert again["unchanged"] == 2, again
    assert client.get(f"{API}/export?format=pdf", headers=staff).status_code == 422
