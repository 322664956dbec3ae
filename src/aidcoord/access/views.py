"""HTTP routes of the access domain: signing in and out, the caller's tokens, organisations."""

from __future__ import annotations

from fastapi import Request, Response

from aidcoord.access import service
from aidcoord.access.actor import Actor
from aidcoord.access.schemas import (
    CredentialOut,
    LoginIn,
    MeOut,
    OrganisationOut,
    SessionOut,
    TokenIn,
    TokenOut,
)
from aidcoord.api.deps import CSRF_COOKIE, SESSION_COOKIE, ActorDep, SessionDep, request_id
from aidcoord.api.routing import api_router

router = api_router(tags=["reference data"])
auth_router = api_router(prefix="/auth", tags=["access"])


def _me(actor: Actor) -> MeOut:
    return MeOut(
        user_id=actor.user_id,
        organisation_id=actor.organisation_id,
        organisation_kind=actor.organisation_kind,
        roles=sorted(actor.roles),
        nation_id=actor.nation_id,
        hub_site_id=actor.hub_site_id,
    )


def set_session_cookies(request: Request, response: Response, issued: service.IssuedCredential) -> None:
    """Set the HttpOnly SameSite=Strict session cookie and the script-readable CSRF cookie."""
    assert issued.csrf_token is not None  # a session always has one
    secure = request.url.scheme == "https"
    max_age = service.SESSION_HOURS * 3600
    response.set_cookie(
        SESSION_COOKIE,
        issued.secret,
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )
    # Readable by the page's script, which echoes it in X-CSRF-Token: a cross-site form cannot.
    response.set_cookie(
        CSRF_COOKIE,
        issued.csrf_token,
        max_age=max_age,
        httponly=False,
        samesite="strict",
        secure=secure,
        path="/",
    )


@auth_router.post("/login", response_model=SessionOut, summary="Sign in (opens a browser session)")
def login(body: LoginIn, request: Request, response: Response, session: SessionDep) -> SessionOut:
    """Check the password; set the HttpOnly SameSite=Strict session cookie and return the CSRF token.

    401 for an unknown user, a wrong password or a disabled user (the same answer for each).
    """
    rid = request_id(request)
    request.state.request_id = rid
    issued = service.login(session, user_id=body.user_id, password=body.password, request_id=rid)
    actor = service.authenticate(session, secret=issued.secret, kind="session", request_id=rid)
    set_session_cookies(request, response, issued)
    assert issued.csrf_token is not None
    return SessionOut(user=_me(actor), csrf_token=issued.csrf_token, expires_at=issued.expires_at)


@auth_router.post("/logout", status_code=204, summary="Sign out (revokes the session or token used)")
def logout(request: Request, response: Response, session: SessionDep, actor: ActorDep) -> None:
    """Revoke the credential this request was made with, at once, and clear the cookies."""
    bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    secret = bearer or request.cookies.get(SESSION_COOKIE, "")
    service.revoke(session, actor=actor, credential_id=service.credential_id_of(secret))
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@auth_router.get("/me", response_model=MeOut, summary="Who am I")
def me(actor: ActorDep) -> MeOut:
    """The caller's user, organisation, roles and scope."""
    return _me(actor)


@auth_router.get("/tokens", response_model=list[CredentialOut], summary="List my tokens and sessions")
def list_tokens(session: SessionDep, actor: ActorDep) -> list[CredentialOut]:
    """The caller's own credentials, newest first (never their secrets)."""
    return [
        CredentialOut.model_validate(c)
        for c in service.list_credentials(session, actor=actor, user_id=actor.user_id)
    ]


@auth_router.post("/tokens", response_model=TokenOut, status_code=201, summary="Make an API token for me")
def create_token(body: TokenIn, session: SessionDep, actor: ActorDep) -> TokenOut:
    """A new API token for the caller; its secret is in this answer only."""
    issued = service.create_token(
        session, actor=actor, user_id=actor.user_id, name=body.name, expires_in_days=body.expires_in_days
    )
    return TokenOut(
        credential_id=issued.credential_id,
        name=issued.name,
        token=issued.secret,
        expires_at=issued.expires_at,
    )


@auth_router.delete("/tokens/{credential_id}", status_code=204, summary="Revoke one of my tokens")
def revoke_token(credential_id: str, session: SessionDep, actor: ActorDep) -> None:
    """Revoke at once; 404 for a credential that is not the caller's (coordinators: anyone's)."""
    service.revoke(session, actor=actor, credential_id=credential_id)


@router.get("/organisations", response_model=list[OrganisationOut], summary="List organisations")
def list_organisations(session: SessionDep, actor: ActorDep) -> list[OrganisationOut]:
    """All organisations, by id."""
    return [OrganisationOut.model_validate(o) for o in service.list_all(session, actor=actor)]


@router.get(
    "/organisations/{organisation_id}", response_model=OrganisationOut, summary="Show an organisation"
)
def get_organisation(organisation_id: str, session: SessionDep, actor: ActorDep) -> OrganisationOut:
    """One organisation; 404 if there is none with that id."""
    return OrganisationOut.model_validate(service.get(session, actor=actor, organisation_id=organisation_id))
