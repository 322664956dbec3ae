"""The dashboard in Chromium: every role's pages, the key numbers against the API, and the forms."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import PASSWORD, SCREENSHOTS, USERS, Watch

ANALYST_PAGES = ("/dependency", "/whatif")
PAGES = (
    "/",
    "/map",
    "/requirements",
    "/pledges",
    "/plan",
    "/shipments",
    "/burden",
    "/training",
    *ANALYST_PAGES,
)
NAMES = {"/": "overview"}


def sign_in(page: Any, role: str) -> None:
    # Through the API's login, which sets the same cookies in the page's context; the form has its tests.
    response = page.request.post("/api/v1/auth/login", data={"user_id": USERS[role][0], "password": PASSWORD})
    assert response.ok, response.text()
    page.goto("/")
    page.wait_for_selector("#who")


def api(page: Any, path: str) -> Any:
    response = page.request.get(f"/api/v1{path}")
    assert response.ok, f"{path}: {response.status} {response.text()}"
    return response.json()


def charts_drawn(page: Any) -> None:
    page.wait_for_function(
        "document.querySelectorAll('.chart').length === document.querySelectorAll('.chart.drawn').length"
    )


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def expected_http_errors(watch: Watch) -> None:
    # Chromium logs every 4xx page load as a console error; these pages answer 4xx on purpose.
    watch.errors[:] = [e for e in watch.errors if "Failed to load resource" not in e]


def pct(x: float) -> str:
    return f"{x * 100:.1f}%"


def test_login_failure_says_so(page: Any, watch: Watch) -> None:
    page.goto("/")
    assert page.url.endswith("/login?next=/")
    shot(page, "login")
    page.fill("#user_id", "coordinator")
    page.fill("#password", "not-the-password")
    page.click("#sign-in")
    assert page.text_content("#login-error") == "Unknown user or wrong password."
    expected_http_errors(watch)


def test_login_form_opens_the_page_asked_for(page: Any) -> None:
    page.goto("/shipments")
    page.fill("#user_id", USERS["viewer"][0])
    page.fill("#password", PASSWORD)
    with page.expect_navigation(url="**/shipments"):
        page.click("#sign-in")
    assert page.text_content("#who") == USERS["viewer"][0]


@pytest.mark.parametrize("role", list(USERS))
def test_each_role_opens_every_page_of_its_nav(page: Any, watch: Watch, role: str) -> None:
    sign_in(page, role)
    nav = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
    analyst = role in ("coordinator", "auditor")
    assert nav == [p for p in PAGES if analyst or p not in ANALYST_PAGES]
    for path in nav:
        response = page.goto(path)
        assert response is not None
        assert response.status == 200, path
        assert page.locator("#status").count() == 0, f"{path} shows an error page"
        charts_drawn(page)
        if role == "coordinator":
            shot(page, NAMES.get(path, path.strip("/")))
    if not analyst:
        for path in ANALYST_PAGES:
            response = page.goto(path)
            assert response is not None
            assert response.status == 403
            assert "coordinators and auditors only" in (page.text_content("#message") or "")
        expected_http_errors(watch)


def test_overview_figures_are_the_apis(page: Any) -> None:
    sign_in(page, "coordinator")
    version = int(page.text_content("#plan-version") or "0")
    plan = api(page, f"/plans/{version}")
    summary = plan.get("summary", plan)
    assert summary["status"] == "approved"
    assert page.text_content("#fulfilment") == pct(summary["figures"]["weighted_fulfilment"])
    assert page.text_content("#on-time") == pct(summary["figures"]["on_time_fill"])
    assert page.text_content("#fulfilment-greedy") == pct(summary["baseline"]["weighted_fulfilment"])
    assert page.text_content("#on-time-greedy") == pct(summary["baseline"]["on_time_fill"])
    assert page.locator("#urgent tbody tr").count() == min(5, summary["unmet"])


@pytest.mark.parametrize("role", ["coordinator", "hub_operator"])
def test_training_figures_are_the_apis(page: Any, role: str) -> None:
    sign_in(page, role)
    page.goto("/training")
    charts_drawn(page)
    report = api(page, "/reports/training")
    figures = report["summary"]["figures"]
    assert int(page.text_content("#training-version") or "0") == report["summary"]["version"]
    assert page.text_content("#training-fulfilment") == pct(figures["weighted_fulfilment"])
    assert page.text_content("#training-on-time") == pct(figures["on_time_fill"])
    assert report["by_specialty"]
    for fill in report["by_specialty"]:
        row = page.locator(f"#training-specialties tr[data-specialty='{fill['specialty']}'] td.fill")
        assert row.text_content() == pct(fill["fill"])
    assert int(page.text_content("#course-total") or "") == api(page, "/courses?limit=1")["total"]


def test_requirement_counts_are_the_apis(page: Any) -> None:
    sign_in(page, "recipient_officer")
    page.goto("/requirements")
    assert int(page.text_content("#req-total") or "") == api(page, "/requirements?limit=1")["total"]
    page.select_option("#f-priority", "1")
    page.click("#apply-filters")
    page.wait_for_url("**priority=1**")
    assert (
        int(page.text_content("#req-total") or "") == api(page, "/requirements?priority=1&limit=1")["total"]
    )
    assert page.locator("#requirements tbody tr").count() == min(
        100, int(page.text_content("#req-total") or "")
    )


@pytest.mark.parametrize("role", ["coordinator", "nation_officer", "hub_operator"])
def test_shipment_counts_are_the_apis(page: Any, role: str) -> None:
    sign_in(page, role)
    page.goto("/shipments")
    total = api(page, "/shipments?limit=1")["total"]
    assert int(page.text_content("#ship-total") or "") == total
    assert total > 0


def test_nation_officer_records_a_dispatch_through_the_form(page: Any) -> None:
    sign_in(page, "nation_officer")
    shipment = api(page, "/shipments?status=planned&limit=1")["items"][0]
    page.goto(f"/shipments/{shipment['shipment_id']}")
    assert page.text_content("#ship-status") == "planned"
    page.select_option("#kind", "dispatched")
    page.fill("#week", str(shipment["depart_week"]))
    page.fill("#note", "left the depot on time")
    page.click("#record")
    page.wait_for_selector("#flash")
    assert page.text_content("#ship-status") == "dispatched"
    assert "left the depot on time" in (page.text_content("#timeline") or "")
    shot(page, "shipment")
    stored = api(page, f"/shipments/{shipment['shipment_id']}")
    detail = stored.get("shipment", stored)
    assert detail["status"] == "dispatched"


def test_a_refused_event_shows_the_reason(page: Any) -> None:
    sign_in(page, "nation_officer")
    shipment = api(page, "/shipments?status=planned&limit=1")["items"][0]
    page.goto(f"/shipments/{shipment['shipment_id']}")
    page.select_option("#kind", "dispatched")
    page.fill("#week", "-1")
    page.eval_on_selector("#week", "el => el.removeAttribute('min')")
    page.click("#record")
    page.wait_for_selector("#event-error")
    assert page.text_content("#ship-status") == "planned"


def test_viewer_gets_no_event_form(page: Any) -> None:
    sign_in(page, "viewer")
    items = api(page, "/shipments?limit=1")["items"]
    if items:
        page.goto(f"/shipments/{items[0]['shipment_id']}")
        assert page.locator("#event-form").count() == 0
        assert page.locator("#no-events").count() == 1


def test_whatif_end_to_end(page: Any) -> None:
    sign_in(page, "coordinator")
    fulfilment = page.text_content("#fulfilment")
    page.goto("/whatif")
    page.select_option("#w-kind", "cut")
    page.select_option("#w-nation", "USA")
    page.fill("#w-share", "50")
    page.click("#add-change")
    assert page.locator("#changes li").count() == 1
    page.click("#run")
    page.wait_for_selector("#result:not([hidden])", timeout=60_000)
    assert page.locator("#progress").is_hidden()
    assert page.text_content("#r-ful-before") == fulfilment
    assert page.text_content("#r-ful-after")
    assert page.locator("#r-capability tr").count() > 1
    shot(page, "whatif")


def test_unknown_page_is_a_404_page(page: Any, watch: Watch) -> None:
    sign_in(page, "viewer")
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    assert page.text_content("#status") == "404"
    shot(page, "not-found")
    api_response = page.request.get("/api/v1/no-such-thing")
    assert api_response.headers["content-type"].startswith("application/problem+json")
    expected_http_errors(watch)


def test_logout_ends_the_session(page: Any) -> None:
    sign_in(page, "auditor")
    page.click("#logout")
    page.wait_for_url("**/login")
    page.goto("/plan")
    assert "/login" in page.url
    assert page.request.get("/api/v1/auth/me").status == 401


def test_coordinator_diffs_and_approves_a_draft(page: Any) -> None:
    sign_in(page, "coordinator")
    page.goto("/plan")
    page.click("#diff")
    page.wait_for_selector("#diff-figures")
    shot(page, "plan-diff")
    page.goto("/plan")
    draft = page.locator("#versions tr[data-version='2'] form.approve")
    draft.locator("input[name=reason]").fill("the greedy plan, for the e2e test")
    draft.locator("button").click()
    page.wait_for_selector("#flash")
    assert page.text_content("#plan-status") == "approved"
    assert api(page, "/plans/2")["summary"]["status"] == "approved"
