"""A published retail order type, orders made through the API, and a person logged in
to the pages through the test client."""
from __future__ import annotations

import html
import re

import pytest

from tests.conftest import csrf_from
from tests.platform.test_api_tokens import bearer
from tests.runtime.support import SAMPLE, create

# Over the 5000 of manager_review's `when`, so the order waits for an approver.
BIG = {**SAMPLE, "items": [{"sku": "TEA-01", "qty": 5, "price": "1250.50"}]}  # 6252.50


class Console:
    """Orders made through the API by a staff member, and the pages as a person sees
    them through the test client."""

    def __init__(self, client, staff: dict[str, str]) -> None:
        self.client = client
        self.staff = staff

    def order(self, data=None, **extra) -> str:
        response = create(self.client, self.staff, data, **extra)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["number"]

    def submitted(self, data=None) -> str:
        number = self.order(data)
        response = self.client.post(f"/api/v1/orders/{number}/transitions/submit",
                                    headers=self.staff)
        assert response.status_code == 200, response.get_json()
        return number

    def read(self, number: str) -> dict:
        return self.client.get(f"/api/v1/orders/{number}", headers=self.staff).get_json()

    def page(self, path: str, **kwargs) -> str:
        response = self.client.get(path, **kwargs)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_data(as_text=True)

    def log_out(self) -> None:
        """Before logging in as someone else: the login page sends a logged-in person on."""
        assert self.post("/logout", {}).status_code == 302

    def post(self, path: str, data: dict, page: str | None = None):
        """Post a form the way the browser does: with the CSRF token of a page."""
        token = csrf_from(self.page(page or "/"))
        return self.client.post(path, data={"csrf_token": token, **data})


@pytest.fixture
def console(client, token_for, published) -> Console:  # noqa: F811
    return Console(client, bearer(token_for("staff")))


def notices(page: str) -> list[str]:
    """The flash messages on a page, as text."""
    return [html.unescape(re.sub(r"\s+", " ", m).strip())
            for m in re.findall(r'<p class="notice[^"]*"[^>]*>(.*?)</p>', page, re.S)]


def errors(page: str) -> list[str]:
    return [html.unescape(re.sub(r"\s+", " ", m).strip())
            for m in re.findall(r'<p class="notice failed"[^>]*>(.*?)</p>', page, re.S)]
