"""The REST API through a real server: shapes, error codes, authorisation."""

from __future__ import annotations

import requests

from tests.support.server import LiveServer


def issue(server: LiveServer, service: str = "traffic", **extra: object) -> requests.Response:
    return requests.post(
        f"{server.url}/api/v1/centres/test/tickets",
        json={"service": service, **extra},
        headers=server.device("kiosk", "k1"),
    )


def test_issue_ticket_shape_and_public_view(live_server: LiveServer) -> None:
    response = issue(live_server, priority="elderly", transactions=2, lang="en", civil_id="290010112345")
    assert response.status_code == 201, response.text
    ticket = response.json()
    assert ticket["number"] == "A001"
    assert ticket["status"] == "waiting" and ticket["priority"] == "elderly" and ticket["transactions"] == 2
    assert ticket["position"] == 0 and isinstance(ticket["eta_minutes"], int)
    assert ticket["tracking_url"] == f"{live_server.url}/t/{ticket['tracking_code']}"
    assert len(ticket["tracking_code"]) >= 16
    for key in ("id", "centre", "service", "issued_at"):
        assert key in ticket
    public = requests.get(f"{live_server.url}/api/v1/tickets/{ticket['tracking_code']}").json()
    assert public["number"] == "A001" and "id" not in public and "civil_id" not in str(public)
    assert "290010112345" not in requests.get(f"{live_server.url}/t/{ticket['tracking_code']}").text
    second = issue(live_server).json()
    assert second["number"] == "A002" and second["position"] == 1


def test_errors_are_json_with_stable_codes_and_translated(live_server: LiveServer) -> None:
    url = f"{live_server.url}/api/v1/centres/test/tickets"
    kiosk = live_server.device("kiosk", "k1")
    cases = [
        ({"service": "traffic", "transactions": 11}, 400, "invalid_transactions"),
        ({"service": "nope"}, 404, "unknown_service"),
        ({"service": "traffic", "civil_id": "12"}, 400, "invalid_civil_id"),
        ({}, 400, "missing_field"),
    ]
    for body, status, code in cases:
        response = requests.post(url, json=body, headers=kiosk)
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
    arabic = requests.post(
        url, json={"service": "traffic", "transactions": 11}, headers={**kiosk, "Accept-Language": "ar"}
    )
    assert arabic.json()["error"]["code"] == "invalid_transactions"
    english = requests.post(
        url, json={"service": "traffic", "transactions": 11}, headers={**kiosk, "Accept-Language": "en"}
    )
    assert english.json()["error"]["message"] == "The number of transactions must be between 1 and 10."
    assert arabic.json()["error"]["message"] != english.json()["error"]["message"]  # the catalogue is compiled
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic.json()["error"]["message"])
    assert requests.post(url, json={"service": "traffic"}).json()["error"]["code"] == "login_required"
    other_kiosk = live_server.device("kiosk", "k1", centre="other")
    assert requests.post(url, json={"service": "traffic"}, headers=other_kiosk).status_code == 403
    assert requests.get(f"{live_server.url}/api/v1/tickets/unknown").json()["error"]["code"] == "unknown_ticket"
    # an id past what the database stores (found by schemathesis): "not found", not a 500
    supervisor = live_server.staff("sup-ids", "supervisor", "test")
    for huge in (2**63, 2**64 + 5):
        retry = requests.post(f"{live_server.url}/api/v1/centres/test/notifications/{huge}/retry", headers=supervisor)
        assert retry.status_code == 404 and retry.json()["error"]["code"] == "not_found", retry.text


def test_counter_flow_and_conflicts(live_server: LiveServer) -> None:
    clerk = live_server.staff("clerk1", "clerk", "test")
    base = f"{live_server.url}/api/v1/centres/test/counters/1"
    closed = requests.post(base + "/call-next", headers=clerk)  # nobody signed in: the counter takes no calls
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "counter_not_signed_in"
    opened = requests.post(base + "/sign-in", headers=clerk)
    assert opened.status_code == 200 and opened.json()["counter"]["state"] == "idle"
    assert requests.post(base + "/complete", headers=clerk).json()["error"]["code"] == "no_current_ticket"
    assert requests.post(base + "/call-next", headers=clerk).status_code == 204
    first = issue(live_server).json()
    issue(live_server, "residency")
    called = requests.post(base + "/call-next", headers=clerk)
    assert called.status_code == 200 and called.json()["number"] == first["number"]
    assert called.json()["status"] == "called" and called.json()["counter"]["code"] == "1"
    assert requests.post(base + "/recall", headers=clerk).json()["recalls"] == 1
    assert requests.post(base + "/start", headers=clerk).json()["status"] == "serving"
    moved = requests.post(base + "/transfer", json={"service": "civil-id", "note": "needs a new card"}, headers=clerk)
    assert moved.json()["status"] == "waiting" and moved.json()["service"] == "civil-id"
    assert moved.json()["note"] == "needs a new card"
    nxt = requests.post(base + "/call-next", headers=clerk).json()
    assert nxt["number"] == "B001"
    assert requests.post(base + "/no-show", headers=clerk).json()["status"] == "no_show"
    paused = requests.post(base + "/pause", json={"reason": "prayer"}, headers=clerk).json()
    assert paused["counter"]["state"] == "paused"
    assert requests.post(base + "/call-next", headers=clerk).json()["error"]["code"] == "counter_paused"
    assert requests.post(base + "/resume", headers=clerk).json()["counter"]["state"] == "idle"
    # one counter at a time: signing in at counter 4 signs the clerk out of counter 1
    assert requests.post(live_server.url + "/api/v1/centres/test/counters/4/sign-in", headers=clerk).ok
    assert requests.post(base + "/call-next", headers=clerk).json()["error"]["code"] == "counter_not_signed_in"
    by_number = requests.post(
        live_server.url + "/api/v1/centres/test/counters/4/call", json={"number": "a001"}, headers=clerk
    )
    assert by_number.status_code == 200 and by_number.json()["number"] == "A001"
    hall = requests.get(live_server.url + "/api/v1/centres/test/hall").json()
    assert hall["recent_calls"][0]["number"] == "A001" and hall["recent_calls"][0]["counter"]["code"] == "4"
    counter4 = next(c for c in hall["counters"] if c["code"] == "4")
    assert counter4["state"] == "calling" and counter4["current"]["number"] == "A001"


def test_clerk_cannot_act_in_another_centre(live_server: LiveServer) -> None:
    clerk = live_server.staff("clerk-other", "clerk", "other")
    response = requests.post(f"{live_server.url}/api/v1/centres/test/counters/1/call-next", headers=clerk)
    assert response.status_code == 403 and response.json()["error"]["code"] == "other_centre"
    bad = requests.post(f"{live_server.url}/api/v1/auth/token", json={"username": "clerk-other", "password": "wrong"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_credentials"


def test_refusals_name_states_and_actions_in_the_visitors_language(live_server: LiveServer) -> None:
    """An Arabic or Urdu message never shows an internal code ("call", "done"): the edge translates them."""
    clerk = live_server.clerk_at("1", "clerk-words")
    ticket = issue(live_server).json()
    base = f"{live_server.url}/api/v1/centres/test/counters/1"
    assert requests.post(base + "/call-next", headers=clerk).json()["number"] == ticket["number"]
    assert requests.post(base + "/complete", headers=clerk).status_code == 200
    for lang in ("ar", "ur"):
        again = requests.post(
            base + "/call", json={"number": ticket["number"]}, headers={**clerk, "Accept-Language": lang}
        )
        error = again.json()["error"]
        assert again.status_code == 409 and error["code"] == "invalid_transition"
        assert not any("a" <= ch.lower() <= "z" for ch in error["message"]), error["message"]
    english = requests.post(
        base + "/call", json={"number": ticket["number"]}, headers={**clerk, "Accept-Language": "en"}
    )
    assert english.json()["error"]["message"] == "Cannot call a ticket that is served."


def test_a_family_visit_through_the_api(live_server: LiveServer) -> None:
    url = f"{live_server.url}/api/v1/centres/test/tickets"
    kiosk = live_server.device("kiosk", "k1")
    legs = [
        {"service": "residency", "transactions": 2, "for": "spouse"},
        {"service": "civil-id", "transactions": 4, "for": "child"},
    ]
    answer = requests.post(url, json={"legs": legs, "lang": "en"}, headers=kiosk)
    assert answer.status_code == 201, answer.text
    visit = answer.json()
    assert [(leg["service"], leg["transactions"], leg["for"]) for leg in visit["legs"]] == [
        ("residency", 2, "spouse"),
        ("civil-id", 4, "child"),
    ]
    assert visit["number"] == "B001" and visit["legs"][0]["status"] == "current"  # nobody waits: her order
    assert visit["legs"][1]["body_names"]["en"] == "Civil information and health"
    # the whole visit: her wait, then 2 x 8 minutes of residency and 4 x 5 of civil ID
    assert visit["visit_minutes"] == visit["eta_minutes"] + 36
    public = requests.get(f"{live_server.url}/api/v1/tickets/{visit['tracking_code']}").json()
    assert len(public["legs"]) == 2 and "id" not in public
    single = requests.post(url, json={"service": "traffic"}, headers=kiosk).json()
    assert len(single["legs"]) == 1 and "visit_minutes" not in single

    cases = [
        ({"legs": []}, "invalid_legs"),
        ({"legs": [{"service": "traffic", "for": "cousin"}]}, "invalid_relation"),
        ({"legs": [{"service": "traffic"}, {"service": "traffic"}]}, "duplicate_leg"),
        ({"legs": [{"service": "traffic", "transactions": 11}]}, "invalid_transactions"),
        ({"legs": [{"service": "traffic"}] * 9}, "too_many_legs"),
    ]
    for body, code in cases:
        refused = requests.post(url, json=body, headers={**kiosk, "Accept-Language": "ar"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == code, refused.text
        assert any("\u0600" <= ch <= "\u06ff" for ch in refused.json()["error"]["message"])
    unknown = requests.post(url, json={"legs": [{"service": "traffic"}, {"service": "nope"}]}, headers=kiosk)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_service"

    # a clerk adds the service she forgot, then ends the visit early
    staff = live_server.staff("clerk-v", "clerk", "test")
    counter = f"{live_server.url}/api/v1/centres/test/counters/3"
    assert requests.post(f"{counter}/sign-in", headers=staff).status_code == 200
    assert requests.post(f"{counter}/end-visit", headers=staff).json()["error"]["code"] == "no_current_ticket"
    called = requests.post(f"{counter}/call-next", headers=staff).json()
    assert called["number"] == visit["number"]
    added = requests.post(f"{counter}/add-leg", json={"service": "traffic", "for": "child"}, headers=staff)
    assert added.status_code == 200, added.text
    assert [leg["service"] for leg in added.json()["legs"]] == ["residency", "civil-id", "traffic"]
    ended = requests.post(f"{counter}/end-visit", headers=staff).json()
    assert [leg["status"] for leg in ended["legs"]] == ["current", "dropped", "dropped"]
    done = requests.post(f"{counter}/complete", headers=staff).json()
    assert done["status"] == "done" and "visit_minutes" in done and done["visit_minutes"] is None
