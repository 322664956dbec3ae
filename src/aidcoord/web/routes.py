"""The dashboard's HTML pages: sign-in, the pages of the navigation bar, 404 and error pages.

Every page calls the services with the signed-in actor, so need-to-know is the services' (as for the
API). Pages sign in with the browser session cookie; forms carry the session's CSRF token as a hidden
field, checked by access.service.authenticate.
"""

from __future__ import annotations

import datetime as dt
import inspect
import logging
import uuid
from collections.abc import Callable, Coroutine, Iterable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from aidcoord.access import service as access
from aidcoord.access.actor import Actor
from aidcoord.access.views import set_session_cookies
from aidcoord.api.deps import CSRF_COOKIE, SESSION_COOKIE, get_session, request_id
from aidcoord.catalog import service as catalog
from aidcoord.dataset import service as dataset
from aidcoord.errors import DomainError, NotFound
from aidcoord.offers import service as offers
from aidcoord.plans import service as plans
from aidcoord.reports import burden, risk
from aidcoord.requirements import service as requirements
from aidcoord.shipments import service as shipments
from aidcoord.shipments.models import SHIPMENT_STATUSES
from aidcoord.sites import service as sites
from aidcoord.training import service as training
from aidcoord.web import charts, mapsvg

log = logging.getLogger("aidcoord.web")

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")
ANALYSTS = ("coordinator", "auditor")
"""Roles that may use the what-if and dependency pages (the services' own rule)."""

NAV: tuple[tuple[str, str, tuple[str, ...] | None], ...] = (
    # path, label, roles that see it (None: everyone)
    ("/", "Overview", None),
    ("/map", "Map", None),
    ("/requirements", "Requirements", None),
    ("/pledges", "Pledges", None),
    ("/plan", "Plan", None),
    ("/shipments", "Shipments", None),
    ("/burden", "Burden sharing", None),
    ("/training", "Training", None),
    ("/dependency", "Dependency", ANALYSTS),
    ("/whatif", "What-if", ANALYSTS),
)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


class SignInNeeded(Exception):
    """No valid session: the page redirects to the sign-in form."""


class PageRoute(APIRoute):
    """A route whose errors are HTML pages (the API's stay problem+json): sign-in, 4xx, 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The route's handler, with its errors rendered as pages."""
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInNeeded:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except DomainError as error:
                return error_page(request, error.status, error.message)
            except RequestValidationError:
                return error_page(request, 400, "the address or form has a value that is not valid")
            except Exception:
                log.exception("unexpected error on %s %s", request.method, request.url.path)
                return error_page(request, 500, "an unexpected error occurred; it has been logged")

        return page_handler


router = APIRouter(route_class=PageRoute, include_in_schema=False)

TITLES = {400: "Bad request", 401: "Not signed in", 403: "Not allowed", 404: "Not found", 409: "Conflict"}


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    """A readable error page with the status and the reason."""
    title = TITLES.get(status, "Cannot do that" if status < 500 else "Something went wrong")
    actor = getattr(request.state, "page_actor", None)
    return templates.TemplateResponse(
        request,
        "error.html",
        _context(request, actor, title=title, status=status, message=message),
        status_code=status,
    )


def _nav(actor: Actor | None) -> list[tuple[str, str]]:
    if actor is None:
        return []
    return [(path, label) for path, label, roles in NAV if roles is None or any(actor.has(r) for r in roles)]


def _context(request: Request, actor: Actor | None, **values: Any) -> dict[str, Any]:
    return {
        "actor": actor,
        "nav": _nav(actor),
        "path": request.url.path,
        "csrf": request.cookies.get(CSRF_COOKIE, ""),
        **values,
    }


def _page(request: Request, actor: Actor, name: str, **values: Any) -> HTMLResponse:
    return templates.TemplateResponse(request, name, _context(request, actor, **values))


def signed_in(request: Request, session: Session, *, csrf_token: str | None = None) -> Actor:
    """The session's actor; with `csrf_token` (a form post) it must match the session's."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise SignInNeeded
    rid = request_id(request)
    request.state.request_id = rid
    try:
        actor = access.authenticate(
            session,
            secret=secret,
            kind="session",
            csrf_token=csrf_token,
            check_csrf=csrf_token is not None,
            request_id=rid,
        )
    except DomainError as error:
        if error.status == 401:
            raise SignInNeeded from None
        raise
    request.state.page_actor = actor
    return actor


def _require(actor: Actor, roles: Iterable[str], what: str) -> None:
    roles = tuple(roles)
    if not any(actor.has(r) for r in roles):
        raise DomainError(f"{what} is for {' and '.join(r + 's' for r in roles)} only", status=403)


async def form_data(request: Request) -> dict[str, str]:
    """The posted urlencoded form, one value per field (no multipart: the forms have no files)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    form = {k: v[-1].strip() for k, v in parse_qs(body, keep_blank_values=True).items()}
    if any("\x00" in k or "\x00" in v for k, v in form.items()):
        raise DomainError("the form may not contain the NUL character (U+0000)", status=422)
    return form


FormDep = Annotated[dict[str, str], Depends(form_data)]


def _int(value: str | None) -> int | None:
    if value is None or value.strip() == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise DomainError(f"{value!r} is not a whole number", status=422) from None


# --- sign-in ----------------------------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    # Only paths of this server: never an absolute address (an open redirect).
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form."""
    return templates.TemplateResponse(
        request, "login.html", _context(request, None, next=_safe_next(next), error=None, user_id="")
    )


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Check the password, open a session (the API's cookies) and go to the page asked for."""
    rid = request_id(request)
    request.state.request_id = rid
    user_id = form.get("user_id", "")
    target = _safe_next(form.get("next"))
    try:
        issued = access.login(session, user_id=user_id, password=form.get("password", ""), request_id=rid)
    except DomainError as error:
        if error.status != 401:
            raise
        return templates.TemplateResponse(
            request,
            "login.html",
            _context(request, None, next=target, error="Unknown user or wrong password.", user_id=user_id),
            status_code=401,
        )
    response = RedirectResponse(target, status_code=303)
    set_session_cookies(request, response, issued)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, form: FormDep) -> Response:
    """Revoke this session at once and clear the cookies."""
    actor = signed_in(request, session, csrf_token=form.get("csrf_token", ""))
    secret = request.cookies.get(SESSION_COOKIE, "")
    access.revoke(session, actor=actor, credential_id=access.credential_id_of(secret))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


# --- shared figures ---------------------------------------------------------------------------------


def _baseline_summary(session: Session, actor: Actor) -> plans.PlanSummary | None:
    """The approved plan, else the latest (as plans.baseline_result chooses); None before any plan."""
    summaries = plans.list_plans(session, actor=actor)
    approved = [p for p in summaries if p.status == "approved"]
    if approved:
        return approved[0]
    return summaries[0] if summaries else None


def _current_week(start: dt.date, horizon: int) -> int:
    """The plan week today falls in (0 before the start, the last week after the horizon)."""
    return min(max((dt.date.today() - start).days // 7, 0), max(horizon - 1, 0))


def _capability_of_requirement(session: Session, actor: Actor) -> dict[str, str]:
    capability = {i.item_id: i.capability for i in catalog.list_items(session, actor=actor)}
    return {r.requirement_id: capability[r.item_id] for r in requirements.list_all(session, actor=actor)}


# --- pages ------------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, session: SessionDep) -> HTMLResponse:
    """Fulfilment (optimiser vs greedy), the EUR pipeline, hub utilisation and the most urgent gaps."""
    actor = signed_in(request, session)
    summary = dataset.summary(session, actor=actor)
    base = _baseline_summary(session, actor)
    pledged = offers.pledged_by_capability(session, actor=actor)
    totals = burden.burden_report(session, actor=actor, source="plan").sharing.totals
    pipeline = [
        ("Announced", sum(p.announced_eur for p in pledged)),
        ("Committed", totals.committed.value_eur or 0.0),
        ("Planned", totals.allocated.value_eur or 0.0),
        ("Shipped", totals.shipped.value_eur or 0.0),
        ("Received", totals.delivered.value_eur or 0.0),
    ]
    week = _current_week(summary.start_date, summary.horizon_weeks)
    weeks = list(range(week, min(week + 9, summary.horizon_weeks)))
    utilisation: list[tuple[str, list[tuple[int, float, float]]]] = []
    urgent: list[dict[str, Any]] = []
    if base is not None:
        detail = plans.get_plan(session, actor=actor, version=base.version)
        by_hub: dict[str, list[tuple[int, float, float]]] = {}
        for load in detail.hub_load:
            if load.week in weeks:
                by_hub.setdefault(load.hub_site_id, []).append((load.week, load.tonnes, load.capacity_t))
        utilisation = sorted(by_hub.items())
        reqs = {r.requirement_id: r for r in requirements.list_all(session, actor=actor)}
        ranked = sorted(
            detail.unmet,
            key=lambda u: (
                reqs[u.requirement_id].priority,
                reqs[u.requirement_id].due_week,
                u.requirement_id,
            ),
        )
        urgent = [{"unmet": u, "req": reqs[u.requirement_id]} for u in ranked[:5]]
    return _page(
        request,
        actor,
        "overview.html",
        summary=summary,
        plan=base,
        pipeline=pipeline,
        week=week,
        weeks=weeks,
        utilisation=utilisation,
        urgent=urgent,
    )


@router.get("/requirements", response_class=HTMLResponse)
def requirements_page(
    request: Request,
    session: SessionDep,
    capability: str | None = None,
    priority: str | None = None,
    status: str | None = None,
    offset: int = 0,
) -> HTMLResponse:
    """The prioritised list with coverage bars and reasons; filters by capability, priority and status."""
    actor = signed_in(request, session)
    prio = _int(priority)
    page = requirements.list_requirements(
        session,
        actor=actor,
        capability=capability or None,
        priority=prio,
        status=status or None,
        sort="priority",
        limit=100,
        offset=max(offset, 0),
    )
    base = _baseline_summary(session, actor)
    unmet = {}
    if base is not None:
        unmet = {
            u.requirement_id: u for u in plans.get_plan(session, actor=actor, version=base.version).unmet
        }
    rows = []
    for r in page.items:
        u = unmet.get(r.requirement_id)
        missing = u.quantity_unmet if u else 0
        late = u.quantity_late if u else 0
        planned = base is not None and r.status == "open"
        on_time = max(r.quantity - missing - late, 0) if planned else 0
        rows.append(
            {"req": r, "on_time": on_time, "late": late, "unmet": missing, "why": u, "planned": planned}
        )
    capabilities = sorted({i.capability for i in catalog.list_items(session, actor=actor)})
    return _page(
        request,
        actor,
        "requirements.html",
        page=page,
        rows=rows,
        plan=base,
        capabilities=capabilities,
        filters={"capability": capability or "", "priority": priority or "", "status": status or ""},
        priorities=sorted({p.priority for p in requirements.by_priority(session, actor=actor)}),
    )


@router.get("/shipments", response_class=HTMLResponse)
def shipments_page(
    request: Request, session: SessionDep, q: str | None = None, status: str | None = None, offset: int = 0
) -> HTMLResponse:
    """A searchable table of the shipments the actor may see."""
    actor = signed_in(request, session)
    page = shipments.list_shipments(
        session, actor=actor, q=q or None, status=status or None, limit=100, offset=max(offset, 0)
    )
    return _page(
        request,
        actor,
        "shipments.html",
        page=page,
        q=q or "",
        status=status or "",
        statuses=SHIPMENT_STATUSES,
    )


def _recordable(actor: Actor, view: shipments.ShipmentView) -> list[str]:
    """The next events this actor's roles allow (the service checks hub and nation ownership again)."""
    allowed = set().union(*(k for role, k in shipments.EVENTS_BY_ROLE.items() if actor.has(role)))
    return [kind for kind in view.next_events if kind in allowed]


def _shipment_page(
    request: Request, session: Session, actor: Actor, shipment_id: str, **values: Any
) -> HTMLResponse:
    detail = shipments.get_shipment(session, actor=actor, shipment_id=shipment_id)
    return _page(
        request,
        actor,
        "shipment.html",
        detail=detail,
        kinds=_recordable(actor, detail.shipment),
        idempotency_key=uuid.uuid4().hex,
        **{"message": None, "error": None, **values},
    )


@router.get("/shipments/{shipment_id}", response_class=HTMLResponse)
def shipment_page(
    request: Request, shipment_id: str, session: SessionDep, recorded: str | None = None
) -> HTMLResponse:
    """One consignment: its state, its event timeline and the form to record the next event."""
    actor = signed_in(request, session)
    message = f"Recorded: {recorded}." if recorded else None
    return _shipment_page(request, session, actor, shipment_id, message=message)


@router.post("/shipments/{shipment_id}/events", response_class=HTMLResponse)
def record_event(request: Request, shipment_id: str, session: SessionDep, form: FormDep) -> Response:
    """Record an event from the form; the page again with the reason when the service refuses it."""
    actor = signed_in(request, session, csrf_token=form.get("csrf_token", ""))
    kind = form.get("kind", "")
    try:
        shipments.record_event(
            session,
            actor=actor,
            shipment_id=shipment_id,
            kind=kind,
            week=_int(form.get("week")),
            quantity=_int(form.get("quantity")),
            signatory=form.get("signatory") or None,
            note=form.get("note") or None,
            idempotency_key=form.get("idempotency_key") or None,
        )
    except DomainError as error:
        if error.status == 404:
            raise
        session.rollback()
        return _shipment_page(request, session, actor, shipment_id, error=error.message)
    return RedirectResponse(f"/shipments/{quote(shipment_id)}?recorded={quote(kind)}", status_code=303)


@router.get("/plan", response_class=HTMLResponse)
def plan_page(request: Request, session: SessionDep, version: int | None = None) -> HTMLResponse:
    """Hub load against throughput, the delivery timeline, the versions and approval."""
    actor = signed_in(request, session)
    versions = plans.list_plans(session, actor=actor)
    if not versions:
        raise NotFound("there is no plan yet: make one with `aidcoord plan`")
    detail = plans.get_plan(session, actor=actor, version=version)
    capability = _capability_of_requirement(session, actor)
    mass = offers.unit_mass_by_offer(session, actor=actor)
    due = {r.requirement_id: r.due_week for r in requirements.list_all(session, actor=actor)}
    return _page(
        request,
        actor,
        "plan.html",
        detail=detail,
        versions=versions,
        hub_charts=charts.hub_load(detail, capability, mass),
        timeline=charts.delivery_timeline(detail.allocations, due),
        may_approve=actor.has("coordinator"),
        approved=request.query_params.get("approved"),
    )


@router.get("/plan/diff", response_class=HTMLResponse)
def plan_diff(request: Request, session: SessionDep, before: int, after: int) -> HTMLResponse:
    """What changed between two plan versions."""
    actor = signed_in(request, session)
    diff = plans.diff_plans(session, actor=actor, before=before, after=after)
    changed = [c for c in diff.requirements if c.on_time_before != c.on_time_after]
    return _page(request, actor, "diff.html", diff=diff, changed=changed)


@router.post("/plan/{version}/approve")
def approve(request: Request, version: int, session: SessionDep, form: FormDep) -> Response:
    """Approve a plan version with a reason (coordinators; the service enforces it)."""
    actor = signed_in(request, session, csrf_token=form.get("csrf_token", ""))
    plans.approve_plan(session, actor=actor, version=version, reason=form.get("reason", ""))
    return RedirectResponse(f"/plan?version={version}&approved=1", status_code=303)


@router.get("/whatif", response_class=HTMLResponse)
def whatif_page(request: Request, session: SessionDep) -> HTMLResponse:
    """A form composing what-if changes; the run goes to the API from the page's script."""
    actor = signed_in(request, session)
    _require(actor, ANALYSTS, "the what-if page")
    summary = dataset.summary(session, actor=actor)
    nations = sorted({o.nation_id for o in offers.values_by_offer(session, actor=actor)})
    return _page(
        request, actor, "whatif.html", nations=nations, hubs=summary.hubs, horizon=summary.horizon_weeks
    )


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Europe's outlines with depots, hubs, hand-over points and the planned flows through the hubs."""
    actor = signed_in(request, session)
    base = _baseline_summary(session, actor)
    allocations: tuple[Any, ...] = ()
    loads: tuple[plans.HubWeekLoad, ...] = ()
    if base is not None:
        detail = plans.get_plan(session, actor=actor, version=base.version)
        allocations, loads = detail.allocations, detail.hub_load
    drawing = mapsvg.draw(
        sites.list_sites(session, actor=actor),
        allocations,
        {o.offer_id: o.origin_site_id for o in offers.list_all(session, actor=actor)},
        {r.requirement_id: r.delivery_site_id for r in requirements.list_all(session, actor=actor)},
        offers.unit_mass_by_offer(session, actor=actor),
        loads,
    )
    return _page(request, actor, "map.html", drawing=drawing, plan=base)


@router.get("/pledges", response_class=HTMLResponse)
def pledges_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Pledges by nation and capability, pipeline stages and provenance; nations → hubs → capabilities."""
    actor = signed_in(request, session)
    visible: list[offers.OfferView] = []
    offset = 0
    while True:
        page = offers.list_offers(session, actor=actor, limit=1000, offset=offset)
        visible += page.items
        offset += len(page.items)
        if not page.items or offset >= page.total:
            break
    pivot: dict[str, dict[str, float]] = {}
    stages: dict[str, float] = {"announced": 0.0, "committed": 0.0, "withdrawn": 0.0}
    for o in visible:
        row = pivot.setdefault(o.nation_id, {})
        if o.status != "withdrawn":
            row[o.capability] = row.get(o.capability, 0.0) + o.value_eur
        stages[o.status] = stages.get(o.status, 0.0) + o.value_eur
    capabilities = sorted({o.capability for o in visible})
    base = _baseline_summary(session, actor)
    sankey = None
    if base is not None:
        detail = plans.get_plan(session, actor=actor, version=base.version)
        sankey = charts.sankey(
            detail.allocations,
            {o.offer_id: o.nation_id for o in visible},
            _capability_of_requirement(session, actor),
            offers.unit_mass_by_offer(session, actor=actor),
        )
    allocated_value = sum(o.value_eur * o.allocated / o.quantity for o in visible if o.quantity)
    return _page(
        request,
        actor,
        "pledges.html",
        offers=visible,
        pivot=sorted(pivot.items()),
        capabilities=capabilities,
        stages=stages,
        allocated_value=allocated_value,
        sankey=sankey,
    )


@router.get("/burden", response_class=HTMLResponse)
def burden_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Burden sharing from the plan and, where imported, from the Kiel tracker, each with its sources."""
    actor = signed_in(request, session)
    reports = [burden.burden_report(session, actor=actor, source="plan")]
    try:
        reports.append(burden.burden_report(session, actor=actor, source="kiel"))
    except DomainError as error:
        # No Kiel release imported: the page says so rather than failing.
        if error.status not in (404, 409, 422):
            raise
    return _page(
        request,
        actor,
        "burden.html",
        reports=[(r, charts.burden(r)) for r in reports],
    )


@router.get("/dependency", response_class=HTMLResponse)
def dependency_page(request: Request, session: SessionDep) -> HTMLResponse:
    """How concentrated each capability's supply is over donor nations (coordinators and auditors)."""
    actor = signed_in(request, session)
    _require(actor, ANALYSTS, "the dependency page")
    dep = risk.dependency_report(session, actor=actor, basis="plan")
    return _page(request, actor, "dependency.html", dep=dep, dep_chart=charts.dependency(dep.report))


@router.get("/training", response_class=HTMLResponse)
def training_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Training: fill per specialty, seats per offering nation, courses, unmet needs, trainees at risk."""
    actor = signed_in(request, session)
    report = None
    if training.list_training_plans(session, actor=actor):
        report = training.training_report(session, actor=actor)
    return _page(
        request,
        actor,
        "training.html",
        report=report,
        fill_chart=charts.training_fill(report.by_specialty) if report else None,
        crewless=training.capabilities_without_crews(report.without_crews) if report else [],
        courses=training.list_courses(session, actor=actor),
        needs=training.list_needs(session, actor=actor),
    )


# --- installing ---------------------------------------------------------------------------------------


def _plotly_js() -> Path:
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js from the installed plotly package (never a CDN), cached for a day."""
    return FileResponse(
        _plotly_js(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


API_PATHS = ("/api/", "/openapi.json", "/docs", "/redoc")


def install(app: FastAPI) -> None:
    """Mount the dashboard at / and answer unknown page addresses with the HTML 404 page."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    api_handler = app.exception_handlers[StarletteHTTPException]

    async def not_found(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        if error.status_code == 404 and not request.url.path.startswith(API_PATHS):
            return error_page(request, 404, f"there is no page at {request.url.path}")
        answer = api_handler(request, error)
        return await answer if inspect.isawaitable(answer) else answer

    app.add_exception_handler(StarletteHTTPException, not_found)
