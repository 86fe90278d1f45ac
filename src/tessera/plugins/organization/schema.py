"""Tables the organization plugin adds, named and typed as Better Auth's ``organization()`` declares them.

Indexes beyond Better Auth's single-column ones serve the queries the endpoints make: every membership check
is ``member(organizationId, userId)``, pending invitations are read by ``(organizationId, status)``. The
member pair is deliberately not unique: a database shared with a Better Auth deployment may already hold
rows that a unique index would refuse to migrate; tessera serialises membership writes per organization
instead (see ``store.OrganizationStore.lock``).
"""

from __future__ import annotations

from ...db.schema import Field, Index, Table, TableExtension, ref, utcnow


def organization_schema(*, teams: bool = False, dynamic_roles: bool = False) -> tuple[Table | TableExtension, ...]:
    """The tables; with ``teams``, also ``team``, ``teamMember``, ``invitation.teamId`` (comma-separated team
    ids) and ``session.activeTeamId``; with ``dynamic_roles``, also ``organizationRole``."""
    return (*_core(teams), *(_ORGANIZATION_ROLE if dynamic_roles else ()), *(_TEAMS if teams else ()))


#: Better Auth's ``organizationRole``: one stored role of one organization, ``permission`` its statements as
#: JSON text. Every read is by organization (and role name), hence the pair index; not unique, for the same
#: reason as ``member``'s (tessera serialises role writes per organization instead)
_ORGANIZATION_ROLE: tuple[Table, ...] = (
    Table(
        "organizationRole",
        (
            Field("organizationId", index=True, references=ref("organization")),
            Field("role", index=True),
            Field("permission"),
            Field("createdAt", "date", default=utcnow),
            Field("updatedAt", "date", required=False),
        ),
        indexes=(Index(("organizationId", "role")),),
    ),
)


def _core(teams: bool) -> tuple[Table | TableExtension, ...]:
    return (
        Table(
            "organization",
            (
                Field("name", sortable=True),
                Field("slug", unique=True, index=True, sortable=True),
                Field("logo", required=False),
                Field("createdAt", "date"),
                Field("metadata", required=False),
            ),
        ),
        Table(
            "member",
            (
                Field("organizationId", index=True, references=ref("organization")),
                Field("userId", index=True, references=ref("user")),
                Field("role", default="member", sortable=True),
                Field("createdAt", "date"),
            ),
            indexes=(Index(("organizationId", "userId")),),
        ),
        Table(
            "invitation",
            (
                Field("organizationId", index=True, references=ref("organization")),
                Field("email", index=True, sortable=True),
                Field("role", required=False, sortable=True),
                *((Field("teamId", required=False, sortable=True),) if teams else ()),
                Field("status", default="pending", sortable=True),
                Field("expiresAt", "date"),
                Field("createdAt", "date", default=utcnow),
                Field("inviterId", references=ref("user")),
            ),
            indexes=(Index(("organizationId", "status")),),
        ),
        TableExtension("session", (Field("activeOrganizationId", required=False, input=False),)),
    )


_TEAMS: tuple[Table | TableExtension, ...] = (
    Table(
        "team",
        (
            Field("name"),
            # seats taken, kept by Better Auth's team-size limit: internal, never answered
            Field("memberCount", "number", default=0, input=False, returned=False),
            Field("organizationId", index=True, references=ref("organization")),
            Field("createdAt", "date"),
            Field("updatedAt", "date", required=False),
        ),
    ),
    Table(
        "teamMember",
        (
            Field("teamId", index=True, references=ref("team")),
            Field("userId", index=True, references=ref("user")),
            # base64url(SHA-256(JSON [teamId, userId])): one row per user and team, across deployments
            Field("membershipKey", required=False, unique=True, input=False, returned=False),
            Field("createdAt", "date", required=False),
        ),
        indexes=(Index(("teamId", "userId")),),
    ),
    TableExtension("session", (Field("activeTeamId", required=False, input=False),)),
)
