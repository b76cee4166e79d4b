"""Previews and simulations run designers' templates and formulas on the server: only
designers may run them, each run ends quickly whatever it contains while the server
keeps answering others, and one user cannot send them without pause."""
from __future__ import annotations

import threading
import time

import pytest

from orderloom.platform.preview_throttle import MAX_AT_ONCE, MAX_RUNS
from orderloom.runtime import template_sandbox
from tests.designer.samples import retail
from tests.platform.test_api_tokens import assert_problem, bearer

SAMPLE = {"customer": {"code": "C1", "name": "Li Wei"},
          "ship_to": {"country": "CN", "province": "Zhejiang", "city": "Hangzhou"},
          "items": [{"sku": "TEA-01", "qty": 1, "price": "10.00"}]}
SLOW = ("{% for i in range(100000) %}{{ (range(10000)|list|sort(reverse=true))[0] }}"
        "{% endfor %}")


@pytest.fixture
def designer(client, token_for):
    return bearer(token_for("designer"))


def preview(client, headers, template):
    return client.post("/api/v1/definitions/print-preview", headers=headers,
                       json={"definition": retail(), "template": template, "data": SAMPLE})


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_only_those_who_edit_definitions_may_preview_and_simulate(client, token_for,
                                                                   designer, role):
    assert client.post("/api/v1/order-types", json=retail(),
                       headers=designer).status_code == 201
    other = bearer(token_for(role))
    for path, body in (
            ("/api/v1/definitions/simulate", {"definition": retail(), "data": SAMPLE}),
            ("/api/v1/definitions/print-preview",
             {"definition": retail(), "template": "{{ order.number }}", "data": SAMPLE}),
            ("/api/v1/order-types/retail_order/simulate", {"data": SAMPLE})):
        problem = assert_problem(client.post(path, headers=other, json=body), 403)
        assert "definitions.edit" in problem["detail"]
        assert client.post(path, headers=designer, json=body).status_code == 200, path


def test_a_hostile_preview_ends_with_a_clear_error_while_the_server_keeps_answering(
        app, client, designer, monkeypatch, heap_of_a_server):
    # The machine's own pace, measured in this run: a harmless preview (the request's
    # work around any render: the definition checked, the template compiled) and a
    # probe of /healthz on a warm server. The first probe of a process reads the
    # migration scripts once, so it is made before, as a server in service has.
    assert client.get("/healthz").status_code == 200
    started = time.perf_counter()
    assert preview(client, designer, "{{ order.number }}").status_code == 200
    harmless = time.perf_counter() - started
    started = time.perf_counter()
    assert client.get("/healthz").status_code == 200
    probe = time.perf_counter() - started
    # A render budget long enough that /healthz, slowed by sharing the interpreter
    # lock with the render, is asked and answers during it on a machine at any load:
    # four seconds here, longer on a machine busy enough to make a probe slow.
    budget = max(4.0, round(probe * 40))
    monkeypatch.setattr(template_sandbox, "MAX_SECONDS", float(budget))
    answers: list[tuple[float, int]] = []
    result: dict = {}

    def render() -> None:
        started = time.perf_counter()
        result["response"] = preview(app.test_client(), designer, SLOW)
        result["seconds"] = time.perf_counter() - started

    rendering = threading.Thread(target=render)
    rendering.start()
    while rendering.is_alive():
        started = time.perf_counter()
        status = client.get("/healthz").status_code
        if rendering.is_alive():  # answered while the render was still running
            answers.append((time.perf_counter() - started, status))
        time.sleep(0.02)
    rendering.join()

    # Stopped by its budget: run to its end, the template takes hours. Beyond the
    # budget: the request's own work (a harmless preview's time, doubled as the two
    # threads share the interpreter) and the last step's.
    assert result["seconds"] < budget + 2 * harmless + 3, (result["seconds"], harmless)
    problem = assert_problem(result["response"], 422)
    assert problem["errors"][0]["pointer"] == "/template"
    assert f"took longer than {budget:g} seconds" in problem["errors"][0]["detail"]
    # /healthz answered during the render. Both threads share the interpreter lock, so
    # it answers more slowly than alone, but never waits for the render to end.
    assert answers, f"no answer from /healthz during a render of {budget} s"
    assert all(status == 200 and seconds < budget for seconds, status in answers), answers


def test_a_regex_bomb_in_a_simulation_answers_at_once(client, designer):
    definition = retail()
    definition["form"]["fields"].append({
        "key": "odd_note", "type": "computed", "label": {"en": "Odd note"},
        "formula": 'REGEXMATCH(note, "a*()a*()a*!") OR REGEXMATCH(note, "丁*丁*丁*!")',
        "result_type": "boolean"})
    started = time.perf_counter()
    response = client.post("/api/v1/definitions/simulate", headers=designer, json={
        "definition": definition, "data": {**SAMPLE, "note": "a" * 500 + "丁" * 500}})
    assert time.perf_counter() - started < 2
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["computed"]["odd_note"] is False


def test_a_pattern_refused_at_save_time_points_at_the_formula(client, designer):
    definition = retail()
    definition["form"]["fields"].append({
        "key": "odd_note", "type": "computed", "label": {"en": "Odd note"},
        "formula": 'REGEXMATCH(note, "(a)\\\\1")', "result_type": "boolean"})
    response = client.post("/api/v1/definitions/simulate", headers=designer,
                           json={"definition": definition, "data": SAMPLE})
    problem = assert_problem(response, 422)
    assert problem["errors"] == [{
        "pointer": f"/definition/form/fields/{len(definition['form']['fields']) - 1}/formula",
        "line": 1, "column": 18,
        "detail": "REGEXMATCH: backreferences (\\1, (?P=name)) are not allowed"}]


def test_previews_beyond_the_rate_limit_are_429_with_retry_after(client, designer,
                                                                 token_for):
    for _ in range(MAX_RUNS):
        assert preview(client, designer, "{{ order.number }}").status_code == 200
    response = preview(client, designer, "{{ order.number }}")
    problem = assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    assert f"at most {MAX_RUNS} a minute" in problem["detail"]
    simulated = client.post("/api/v1/definitions/simulate", headers=designer,
                            json={"definition": retail(), "data": SAMPLE})
    assert simulated.status_code == 429
    # The limit is each user's own: another designer is not held back.
    other = bearer(token_for("designer"))
    assert preview(client, other, "{{ order.number }}").status_code == 200


def test_previews_at_the_same_time_are_limited_per_user(app, designer, monkeypatch,
                                                        heap_of_a_server):
    # Renders of three seconds, so that all of them are under way together: the last
    # request's own work before its render (its token read from the database) waits
    # its turn for the interpreter lock behind the renders already running, which on
    # a busy machine takes longer than a one-second render.
    monkeypatch.setattr(template_sandbox, "MAX_SECONDS", 3.0)
    responses = []

    def run() -> None:
        responses.append(preview(app.test_client(), designer, SLOW))

    threads = [threading.Thread(target=run) for _ in range(MAX_AT_ONCE + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [422] * MAX_AT_ONCE + [429], statuses
    refused = next(r for r in responses if r.status_code == 429)
    assert refused.headers["Retry-After"] == "1"


def test_a_previewed_page_cannot_send_the_designer_elsewhere(client, designer):
    response = preview(client, designer,
                       '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
                       '<h1>{{ order.number }}</h1>'
                       '<script>location = "https://evil.example/"</script>')
    assert response.status_code == 200, response.get_json()
    html = response.get_json()["html"]
    assert "<h1>SO-000001</h1>" in html
    # Shown as text, not obeyed.
    assert '&lt;meta http-equiv="refresh"' in html and "&lt;script>" in html
    assert "<meta http-equiv" not in html and "<script" not in html
