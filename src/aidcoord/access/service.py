"""Use cases of the access domain: organisations, users and roles, API tokens and browser sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from aidcoord.access.actor import ROLES, Actor, require_role
from aidcoord.access.models import Credential, User, UserRole
from aidcoord.access.models import Organisation as OrganisationRow
from aidcoord.audit import service as audit
from aidcoord.db.rows import delete_rows, insert_rows, select_rows
from aidcoord.errors import Conflict, DomainError, Forbidden, NotFound, Problem, Unauthorized, refuse_invalid


@dataclass(frozen=True, slots=True)
class Organisation:
    """Who a user works for; a delegation carries its nation, a hub operator its hub."""

    organisation_id: str
    name: str
    kind: str
    nation_id: str | None = None
    site_id: str | None = None


def add_many(session: Session, *, actor: Actor, organisations: Iterable[Organisation]) -> int:
    """Add the organisations that do not exist yet (coordinators only); return how many were added.

    The cell's own organisation may exist before a scenario is loaded (its first coordinator works
    for it), so a load adds only what is missing.
    """
    require_role(actor, "coordinator")
    existing = set(session.scalars(select(OrganisationRow.organisation_id)))
    return insert_rows(
        session, OrganisationRow, [o for o in organisations if o.organisation_id not in existing]
    )


def list_all(session: Session, *, actor: Actor) -> list[Organisation]:
    """All organisations, by id."""
    del actor
    return select_rows(session, OrganisationRow, Organisation, ["organisation_id"])


def get(session: Session, *, actor: Actor, organisation_id: str) -> Organisation:
    """One organisation; NotFound if there is none with that id."""
    del actor
    found = select_rows(
        session,
        OrganisationRow,
        Organisation,
        ["organisation_id"],
        where=[OrganisationRow.organisation_id == organisation_id],
    )
    if not found:
        raise NotFound(f"organisation {organisation_id!r} does not exist")
    return found[0]


def clear(session: Session, *, actor: Actor) -> None:
    """Delete all organisations with their users and credentials (coordinators; a scenario is replaced).

    Organisations follow from the scenario, so replacing it starts the people over too; the audit trail
    keeps who they were.
    """
    require_role(actor, "coordinator")
    delete_rows(session, Credential)
    delete_rows(session, UserRole)
    delete_rows(session, User)
    delete_rows(session, OrganisationRow)


# --- users -------------------------------------------------------------------------------------------

ROLE_ORGANISATION_KINDS: dict[str, tuple[str, ...]] = {
    "coordinator": ("coordination_cell",),
    "auditor": ("auditor",),
    "nation_officer": ("nation_delegation",),
    "hub_operator": ("hub_operator",),
    "recipient_officer": ("recipient",),
    "viewer": ("coordination_cell", "auditor", "nation_delegation", "hub_operator", "recipient"),
}
"""Which organisations a role can belong to: a role acts for its organisation and nothing else."""

USER_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 12
TOKEN_PREFIX = "aid_"
SESSION_HOURS = 12


@dataclass(frozen=True, slots=True)
class UserView:
    """A user as shown: never the password hash."""

    user_id: str
    display_name: str
    organisation_id: str
    roles: tuple[str, ...]
    active: bool
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    tokens: int


@dataclass(frozen=True, slots=True)
class IssuedCredential:
    """A credential just made: its secret is shown this once and stored only hashed."""

    credential_id: str
    kind: str
    user_id: str
    name: str
    secret: str
    expires_at: dt.datetime
    csrf_token: str | None = None


@dataclass(frozen=True, slots=True)
class CredentialView:
    """A credential without its secret."""

    credential_id: str
    kind: str
    user_id: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite hands timezone-aware columns back naive; they were written in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


@cache
def _hasher() -> PasswordHash:
    return PasswordHash((Argon2Hasher(),))


@cache
def _decoy_hash() -> str:
    # Checked against when the user is unknown, so that a wrong name costs as long as a wrong password.
    return _hasher().hash(secrets.token_urlsafe(16))


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _roles(session: Session, user_id: str) -> tuple[str, ...]:
    return tuple(
        session.scalars(select(UserRole.role).where(UserRole.user_id == user_id).order_by(UserRole.role))
    )


def _user_view(session: Session, row: User) -> UserView:
    tokens = session.scalar(
        select(func.count())
        .select_from(Credential)
        .where(Credential.user_id == row.user_id, Credential.kind == "token", Credential.revoked_at.is_(None))
    )
    return UserView(
        user_id=row.user_id,
        display_name=row.display_name,
        organisation_id=row.organisation_id,
        roles=_roles(session, row.user_id),
        active=row.active,
        created_at=_utc(row.created_at),
        disabled_at=_utc(row.disabled_at) if row.disabled_at is not None else None,
        tokens=int(tokens or 0),
    )


def add_user(
    session: Session,
    *,
    actor: Actor,
    user_id: str,
    organisation_id: str,
    roles: Sequence[str],
    display_name: str | None = None,
    password: str | None = None,
) -> UserView:
    """Add a user with roles fitting its organisation (coordinators only); the password is stored hashed.

    A user without a password signs in with API tokens only.
    """
    require_role(actor, "coordinator")
    problems: list[Problem] = []
    if not USER_ID.match(user_id):
        problems.append(
            Problem(
                "must be 2-64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit",
                column="user_id",
            )
        )
    org = session.get(OrganisationRow, organisation_id)
    if org is None:
        problems.append(Problem(f"organisation {organisation_id!r} does not exist", column="organisation_id"))
    if not roles:
        problems.append(Problem("at least one role is needed", column="roles"))
    for role in roles:
        if role not in ROLES:
            problems.append(Problem(f"unknown role {role!r}: use one of {', '.join(ROLES)}", column="roles"))
        elif org is not None and org.kind not in ROLE_ORGANISATION_KINDS[role]:
            problems.append(
                Problem(
                    f"role {role} cannot act for {organisation_id} (a {org.kind.replace('_', ' ')})",
                    column="roles",
                )
            )
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(Problem(f"must have at least {MIN_PASSWORD} characters", column="password"))
    refuse_invalid(f"user {user_id!r}", problems)
    if session.get(User, user_id) is not None:
        raise Conflict(f"user {user_id!r} already exists")
    row = User(
        user_id=user_id,
        display_name=display_name or user_id,
        organisation_id=organisation_id,
        password_hash=_hasher().hash(password) if password is not None else None,
        active=True,
        created_at=_now(),
    )
    session.add(row)
    session.flush()
    session.add_all(UserRole(user_id=user_id, role=role) for role in sorted(set(roles)))
    session.flush()
    view = _user_view(session, row)
    _audit(session, actor, "user.add", "user", user_id, None, _audited_user(view))
    return view


def _audited_user(view: UserView) -> dict[str, object]:
    return {
        "user_id": view.user_id,
        "display_name": view.display_name,
        "organisation_id": view.organisation_id,
        "roles": list(view.roles),
        "active": view.active,
    }


def list_users(session: Session, *, actor: Actor) -> list[UserView]:
    """Every user, by id (coordinators and auditors)."""
    require_role(actor, "coordinator", "auditor")
    return [_user_view(session, row) for row in session.scalars(select(User).order_by(User.user_id))]


def disable_user(session: Session, *, actor: Actor, user_id: str) -> UserView:
    """Disable a user and revoke every credential it holds, effective at once (coordinators only)."""
    require_role(actor, "coordinator")
    row = session.get(User, user_id, with_for_update=True)
    if row is None:
        raise NotFound(f"user {user_id!r} does not exist")
    before = _audited_user(_user_view(session, row))
    now = _now()
    if row.active:
        row.active = False
        row.disabled_at = now
    session.execute(
        update(Credential)
        .where(Credential.user_id == user_id, Credential.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    session.flush()
    view = _user_view(session, row)
    _audit(session, actor, "user.disable", "user", user_id, before, _audited_user(view))
    return view


def set_password(session: Session, *, actor: Actor, user_id: str, password: str) -> UserView:
    """Give a user a new password (coordinators only), e.g. after a handover, which carries no secrets.

    The user's browser sessions are revoked, so a stolen session does not outlive the old password.
    """
    require_role(actor, "coordinator")
    if len(password) < MIN_PASSWORD:
        refuse_invalid(
            f"user {user_id!r}", [Problem(f"must have at least {MIN_PASSWORD} characters", column="password")]
        )
    row = session.get(User, user_id, with_for_update=True)
    if row is None:
        raise NotFound(f"user {user_id!r} does not exist")
    row.password_hash = _hasher().hash(password)
    session.execute(
        update(Credential)
        .where(Credential.user_id == user_id, Credential.kind == "session", Credential.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    session.flush()
    view = _user_view(session, row)
    # The record says that the password changed, never anything of it.
    _audit(
        session, actor, "user.password", "user", user_id, None, {"user_id": user_id, "password": "changed"}
    )
    return view


# --- credentials -------------------------------------------------------------------------------------


def _issue(
    session: Session, *, actor: Actor, user: User, kind: str, name: str, lifetime: dt.timedelta
) -> IssuedCredential:
    credential_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32) if kind == "session" else None
    now = _now()
    row = Credential(
        credential_id=credential_id,
        kind=kind,
        user_id=user.user_id,
        name=name,
        secret_hash=_sha256(secret),
        csrf_hash=_sha256(csrf) if csrf is not None else None,
        created_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    after = {
        "credential_id": credential_id,
        "kind": kind,
        "user_id": user.user_id,
        "name": name,
        "expires_at": row.expires_at,
    }
    _audit(session, actor, f"{kind}.create", kind, credential_id, None, after)
    return IssuedCredential(
        credential_id=credential_id,
        kind=kind,
        user_id=user.user_id,
        name=name,
        secret=f"{TOKEN_PREFIX}{credential_id}.{secret}",
        expires_at=row.expires_at,
        csrf_token=csrf,
    )


def create_token(
    session: Session, *, actor: Actor, user_id: str, name: str = "api", expires_in_days: int = 30
) -> IssuedCredential:
    """Make an API token for a user (coordinators for anyone, a user for itself); shown once.

    Tokens live `expires_in_days` (1 to 366).
    """
    if actor.user_id != user_id:
        require_role(actor, "coordinator")
    if not 1 <= expires_in_days <= 366:
        raise DomainError("a token lives from 1 to 366 days", code="validation_failed", status=422)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id!r} does not exist")
    if not user.active:
        raise Conflict(f"user {user_id!r} is disabled")
    return _issue(
        session, actor=actor, user=user, kind="token", name=name, lifetime=dt.timedelta(days=expires_in_days)
    )


def list_credentials(session: Session, *, actor: Actor, user_id: str | None = None) -> list[CredentialView]:
    """Credentials, newest first: a user's own, or (coordinators, auditors) anyone's."""
    if user_id != actor.user_id:
        require_role(actor, "coordinator", "auditor")
    query = select(Credential).order_by(Credential.created_at.desc(), Credential.credential_id)
    if user_id is not None:
        query = query.where(Credential.user_id == user_id)
    return [
        CredentialView(
            credential_id=c.credential_id,
            kind=c.kind,
            user_id=c.user_id,
            name=c.name,
            created_at=_utc(c.created_at),
            expires_at=_utc(c.expires_at),
            revoked_at=_utc(c.revoked_at) if c.revoked_at is not None else None,
        )
        for c in session.scalars(query)
    ]


def revoke(session: Session, *, actor: Actor, credential_id: str) -> CredentialView:
    """Revoke a token or session at once: a user its own, a coordinator anyone's; 404 for others'."""
    row = session.get(Credential, credential_id, with_for_update=True)
    if row is None or (row.user_id != actor.user_id and not actor.has("coordinator")):
        raise NotFound(f"credential {credential_id!r} does not exist")
    if row.revoked_at is None:
        row.revoked_at = _now()
        session.flush()
        _audit(
            session,
            actor,
            f"{row.kind}.revoke",
            row.kind,
            credential_id,
            {"revoked": False},
            {"revoked": True},
        )
    return CredentialView(
        row.credential_id,
        row.kind,
        row.user_id,
        row.name,
        _utc(row.created_at),
        _utc(row.expires_at),
        _utc(row.revoked_at) if row.revoked_at is not None else None,
    )


def credential_id_of(secret: str) -> str:
    """The public id part of a token or session secret."""
    return secret.removeprefix(TOKEN_PREFIX).partition(".")[0]


def _actor_of(session: Session, user: User, request_id: str | None) -> Actor:
    org = session.get(OrganisationRow, user.organisation_id)
    assert org is not None  # a foreign key
    return Actor(
        user_id=user.user_id,
        organisation_id=org.organisation_id,
        roles=frozenset(_roles(session, user.user_id)),
        nation_id=org.nation_id,
        hub_site_id=org.site_id,
        organisation_kind=org.kind,
        request_id=request_id,
    )


# The credential, its user, the organisation and every role (one row per role) in one statement. Built
# once: SQLAlchemy memoises a statement's cache key on the statement object, so the lookup that runs on
# every request does not walk the statement again (a third of its cost when built per call).
_CREDENTIAL_QUERY = (
    select(
        Credential.kind,
        Credential.secret_hash,
        Credential.csrf_hash,
        Credential.expires_at,
        Credential.revoked_at,
        User.user_id,
        User.active,
        OrganisationRow.organisation_id,
        OrganisationRow.nation_id,
        OrganisationRow.site_id,
        OrganisationRow.kind.label("organisation_kind"),
        UserRole.role,
    )
    .join(User, User.user_id == Credential.user_id)
    .join(OrganisationRow, OrganisationRow.organisation_id == User.organisation_id)
    .outerjoin(UserRole, UserRole.user_id == User.user_id)
    .where(Credential.credential_id == bindparam("credential_id"))
)


def authenticate(
    session: Session,
    *,
    secret: str,
    kind: str,
    csrf_token: str | None = None,
    check_csrf: bool = False,
    request_id: str | None = None,
) -> Actor:
    """The actor behind a bearer secret of `kind` (token or session); Unauthorized if it is not valid now.

    Revocation, expiry and disabling are checked here on every request, so they take effect at once.
    With `check_csrf` (a session changing something) the CSRF token must match the session's.
    """
    invalid = Unauthorized("the credentials are missing, unknown, expired or revoked")
    if not secret.startswith(TOKEN_PREFIX) or "." not in secret:
        raise invalid
    credential_id, _, raw = secret[len(TOKEN_PREFIX) :].partition(".")
    # One round trip on every request (see _CREDENTIAL_QUERY), on the session's connection: the rows
    # are plain tuples, no ORM loading is needed.
    rows = session.connection().execute(_CREDENTIAL_QUERY, {"credential_id": credential_id}).all()
    row = rows[0] if rows else None
    if row is None or row.kind != kind or not hmac.compare_digest(row.secret_hash, _sha256(raw)):
        raise invalid
    if row.revoked_at is not None or _utc(row.expires_at) <= _now():
        raise invalid
    if not row.active:
        raise invalid
    if check_csrf and (
        row.csrf_hash is None
        or csrf_token is None
        or not hmac.compare_digest(row.csrf_hash, _sha256(csrf_token))
    ):
        raise Forbidden("the CSRF token is missing or does not match this session")
    return Actor(
        user_id=row.user_id,
        organisation_id=row.organisation_id,
        roles=frozenset(r.role for r in rows if r.role is not None),
        nation_id=row.nation_id,
        hub_site_id=row.site_id,
        organisation_kind=row.organisation_kind,
        request_id=request_id,
    )


def login(
    session: Session, *, user_id: str, password: str, request_id: str | None = None
) -> IssuedCredential:
    """Check a password and open a browser session (12 hours); Unauthorized for any mismatch."""
    user = session.get(User, user_id)
    stored = user.password_hash if user is not None and user.active else None
    valid = _hasher().verify(password, stored or _decoy_hash())
    if user is None or stored is None or not valid:
        raise Unauthorized("unknown user or wrong password")
    actor = _actor_of(session, user, request_id)
    return _issue(
        session,
        actor=actor,
        user=user,
        kind="session",
        name="browser",
        lifetime=dt.timedelta(hours=SESSION_HOURS),
    )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    audit.record(
        session, actor=actor, action=action, entity=entity, entity_id=entity_id, before=before, after=after
    )
