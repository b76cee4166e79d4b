"""The business calendar page: an administrator pastes a year's holidays and make-up
working days, and is told at which line a pasted date is wrong."""
from __future__ import annotations

HOLIDAYS = "2024-10-01 国庆节\n2024-10-02 国庆节\n\n2024-10-03 国庆节\n"
WORKDAYS = "2024-09-29 国庆节调休\n2024-10-12 国庆节调休"
PAGE = "/admin/business-calendar"


def _save(actions, client, **form):
    return client.post(PAGE, data={"csrf_token": actions.csrf(PAGE), **form})


def test_pasted_dates_are_saved_and_listed_with_their_names(actions, client):
    actions.login_as("admin")
    response = _save(actions, client, weekend=["saturday", "sunday"], holidays=HOLIDAYS,
                     workdays=WORKDAYS)
    assert response.status_code == 302
    read = client.get("/api/v1/business-calendar").get_json()
    assert [d["date"] for d in read["holidays"]] == ["2024-10-01", "2024-10-02", "2024-10-03"]
    assert read["workdays"][0] == {"date": "2024-09-29", "name": "国庆节调休"}
    page = client.get(PAGE).get_data(as_text=True)
    assert "The business calendar is saved." in page
    assert "<td>2024-09-29</td><td>Sunday</td>" in page
    assert "2024-10-03 国庆节" in page  # the box holds what was saved, to edit again


def test_a_wrong_line_is_named_and_nothing_is_saved(actions, client):
    actions.login_as("admin")
    bad = _save(actions, client, weekend=["sunday"], holidays=HOLIDAYS + "2024-10-32 国庆节",
                workdays="")
    assert bad.status_code == 422
    assert "Public holidays, line 5: not a date such as 2024-10-01." in bad.get_data(as_text=True)
    both = _save(actions, client, weekend=["sunday"], holidays=HOLIDAYS,
                 workdays="2024-09-29\n2024-10-02 调休")
    assert both.status_code == 422
    text = both.get_data(as_text=True)
    assert "Make-up working days, line 2: this date is also a public holiday" in text
    assert "2024-10-02 调休" in text  # what was typed is kept to correct
    assert client.get("/api/v1/business-calendar").get_json()["holidays"] == []


def test_the_page_speaks_chinese(actions, client):
    actions.login_as("admin")
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    token = actions.csrf(PAGE)
    bad = client.post(PAGE, headers=zh, data={"csrf_token": token, "weekend": ["sunday"],
                                              "holidays": "2024-10-01 国庆节\n10/02 国庆节"})
    assert bad.status_code == 422
    assert "法定节假日，第 2 行：不是 2024-10-01 这样的日期。" in bad.get_data(as_text=True)
    page = client.get(PAGE, headers=zh).get_data(as_text=True)
    assert "星期六" in page
    # The working hours' columns run from a time to a time, not "sent to".
    assert "<th>至</th>" in page and "发往" not in page


def test_only_a_calendar_manager_sees_the_page(actions, client):
    actions.login_as("designer")
    assert client.get(PAGE).status_code == 403


def test_working_hours_are_set_per_weekday_and_a_wrong_one_is_named(actions, client):
    actions.login_as("admin")
    saved = _save(actions, client, weekend=["saturday", "sunday"], holidays="", workdays="",
                  friday_start="09:00", friday_end="15:30")
    assert saved.status_code == 302
    hours = client.get("/api/v1/business-calendar").get_json()["hours"]
    assert hours["friday"] == {"start": "09:00", "end": "15:30"}
    assert hours["monday"] == {"start": "09:00", "end": "18:00"}  # left blank: the usual
    page = client.get(PAGE).get_data(as_text=True)
    assert 'name="friday_end" value="15:30"' in page
    backwards = _save(actions, client, weekend=["sunday"], holidays="", workdays="",
                      monday_start="18:00", monday_end="09:00")
    assert backwards.status_code == 422
    assert "Working hours, Monday: the end must be after the start." in \
        backwards.get_data(as_text=True)
    assert client.get("/api/v1/business-calendar").get_json()["weekend"] == [
        "saturday", "sunday"]  # nothing saved


def test_a_wrong_working_hour_is_named_in_chinese(actions, client):
    actions.login_as("admin")
    zh = {"Accept-Language": "zh-CN,zh;q=0.9"}
    bad = client.post(PAGE, headers=zh, data={
        "csrf_token": actions.csrf(PAGE), "weekend": ["sunday"], "tuesday_start": "9点",
        "tuesday_end": "18:00"})
    assert bad.status_code == 422
    assert "工作时间，星期二：不是 09:00 这样的时间。" in bad.get_data(as_text=True)


def test_hours_until_midnight_show_in_the_time_box_and_save_back_unchanged(actions, client):
    actions.login_as("admin")
    hours = {"saturday": {"start": "10:00", "end": "24:00"}}
    assert client.put("/api/v1/business-calendar", json={
        "weekend": ["sunday"], "holidays": [], "workdays": [], "hours": hours},
        headers={"X-CSRF-Token": actions.csrf(PAGE)}).status_code == 200
    page = client.get(PAGE).get_data(as_text=True)
    # A time box cannot hold 24:00: midnight shows as the end 00:00.
    assert 'name="saturday_end" value="00:00"' in page
    saved = _save(actions, client, weekend=["sunday"], holidays="", workdays="",
                  saturday_start="10:00", saturday_end="00:00")
    assert saved.status_code == 302
    read = client.get("/api/v1/business-calendar").get_json()["hours"]
    assert read["saturday"] == {"start": "10:00", "end": "24:00"}
