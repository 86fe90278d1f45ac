"""Domain verbs over the adapter for organizations, members and invitations.

Multi-row writes are units of work (``Store.transaction``): an organization and its owner, an accepted
invitation and its member, a deleted organization and everything in it commit together or not at all.
Writes that must see a stable member list (the last owner, the membership limit) first ``lock`` the
organization row, so concurrent ones on one organization run one after another on SQL databases.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ...db.adapter import Adapter, Row, SortBy, UniqueViolation, Where
from ...db.store import Store
from .access import parse_role_list

USER_SUMMARY = ("id", "name", "email", "image")
#: lists come in the order rows were made: without it each database picks its own (SQLite follows
#: whichever index it reads, PostgreSQL the heap)
OLDEST_FIRST = SortBy("createdAt", "asc")


def user_summary(user: Mapping[str, Any]) -> dict[str, Any]:
    return {k: user.get(k) for k in USER_SUMMARY}


def membership_key(team_id: str, user_id: str) -> str:
    """Better Auth's ``computeTeamMembershipKey``: base64url(SHA-256(``JSON.stringify([teamId, userId])``)),
    unpadded; unique, so one user is in one team once whichever deployment adds them."""
    text = json.dumps([team_id, user_id], separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256(text.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def parse_metadata(value: Any) -> Any:
    """The stored JSON text as an object (create and update answer it parsed, as Better Auth's do)."""
    if isinstance(value, str) and value:
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value if value else None


class OrganizationStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    @property
    def adapter(self) -> Adapter:
        return self.store.adapter

    def public(self, model: str, row: Mapping[str, Any]) -> dict[str, Any]:
        return self.store.public(model, row)

    # -- organizations ----------------------------------------------------------------------------------

    async def by_id(self, organization_id: str, db: Adapter | None = None) -> Row | None:
        row = await (db or self.adapter).find_one("organization", [Where("id", organization_id)])
        return self.public("organization", row) if row else None

    async def by_slug(self, slug: str) -> Row | None:
        row = await self.adapter.find_one("organization", [Where("slug", slug)])
        return self.public("organization", row) if row else None

    async def lock(self, organization_id: str, db: Adapter) -> bool:
        """Take the organization row's write lock for the rest of ``db``'s transaction (an update that
        changes nothing); ``False`` when the organization is gone."""
        return await db.update("organization", [Where("id", organization_id)], {"id": organization_id}) is not None

    async def list_for_user(self, user_id: str) -> list[Row]:
        members = await self.adapter.find_many(
            "member", [Where("userId", user_id)], limit=self.store.find_many_limit, sort_by=OLDEST_FIRST
        )
        if not members:
            return []
        rows = await self.adapter.find_many(
            "organization", [Where("id", [m["organizationId"] for m in members], "in")], limit=len(members)
        )
        by_id = {r["id"]: r for r in rows}
        return [self.public("organization", by_id[m["organizationId"]]) for m in members if m["organizationId"] in by_id]

    async def count_for_user(self, user_id: str) -> int:
        return await self.adapter.count("member", [Where("userId", user_id)])

    async def create(self, data: Mapping[str, Any], owner: Mapping[str, Any], db: Adapter) -> tuple[Row, Row]:
        organization = await self.store._create("organization", data, db)
        member = await self.store._create(
            "member", {**owner, "organizationId": organization["id"]}, db
        )
        return self.public("organization", organization), self.public("member", member)

    async def update(self, organization_id: str, data: Mapping[str, Any]) -> Row | None:
        row = await self.store._update("organization", [Where("id", organization_id)], data)
        return self.public("organization", row) if row else None

    async def delete(self, organization_id: str) -> None:
        async with self.store.transaction() as tx:
            if "team" in self.store.schema:
                teams = await tx.find_many("team", [Where("organizationId", organization_id)], limit=None)
                if teams:
                    await self.store._delete_many("teamMember", [Where("teamId", [t["id"] for t in teams], "in")], tx)
                    await self.store._delete_many("team", [Where("organizationId", organization_id)], tx)
            if "organizationRole" in self.store.schema:
                await self.store._delete_many("organizationRole", [Where("organizationId", organization_id)], tx)
            await self.store._delete_many("member", [Where("organizationId", organization_id)], tx)
            await self.store._delete_many("invitation", [Where("organizationId", organization_id)], tx)
            await self.store._delete("organization", [Where("id", organization_id)], adapter=tx, veto_raises=True)

    # -- members ----------------------------------------------------------------------------------------

    async def member(self, organization_id: str, user_id: str, db: Adapter | None = None) -> Row | None:
        row = await (db or self.adapter).find_one(
            "member", [Where("organizationId", organization_id), Where("userId", user_id)]
        )
        return self.public("member", row) if row else None

    async def member_by_id(self, member_id: str) -> Row | None:
        row = await self.adapter.find_one("member", [Where("id", member_id)])
        return self.public("member", row) if row else None

    async def member_by_email(self, organization_id: str, email: str, db: Adapter | None = None) -> Row | None:
        user = await self.store.find_user_by_email(email.lower())
        if user is None:
            return None
        member = await self.member(organization_id, user["id"], db)
        return {**member, "user": user_summary(user)} if member else None

    async def with_users(self, members: list[Row]) -> list[Row]:
        """Each member with ``user: {id, name, email, image}`` (one query for all of them)."""
        if not members:
            return []
        users = await self.adapter.find_many(
            "user", [Where("id", list({m["userId"] for m in members}), "in")], limit=len(members)
        )
        by_id = {u["id"]: u for u in users}
        return [{**m, "user": user_summary(by_id[m["userId"]])} for m in members if m["userId"] in by_id]

    async def members(
        self, organization_id: str, *, where: list[Where] | None = None, limit: int | None = None,
        offset: int | None = None, sort_by: SortBy | None = None, db: Adapter | None = None,
    ) -> list[Row]:
        rows = await (db or self.adapter).find_many(
            "member", [Where("organizationId", organization_id), *(where or [])],
            limit=limit or self.store.find_many_limit, offset=offset, sort_by=sort_by or OLDEST_FIRST,
        )
        return [self.public("member", r) for r in rows]

    async def count_members(self, organization_id: str, where: list[Where] | None = None,
                            db: Adapter | None = None) -> int:
        return await (db or self.adapter).count("member", [Where("organizationId", organization_id), *(where or [])])

    async def count_holders(self, organization_id: str, role: str, db: Adapter) -> int:
        """Members holding ``role`` (among others); the role column is a comma-separated list."""
        return len(await self.holders("member", organization_id, role, db))

    async def holders(self, model: str, organization_id: str, role: str, db: Adapter) -> list[Row]:
        """``member`` or ``invitation`` rows whose role list names ``role``."""
        where = [Where("organizationId", organization_id), Where("role", role, "contains")]
        rows = await db.find_many(model, where, limit=None)
        return [r for r in rows if role in parse_role_list(r.get("role"))]

    async def add_member(self, data: Mapping[str, Any], db: Adapter | None = None) -> Row:
        return self.public("member", await self.store._create("member", data, db))

    async def set_role(self, member_id: str, role: str, db: Adapter | None = None) -> Row | None:
        row = await self.store._update("member", [Where("id", member_id)], {"role": role}, db)
        return self.public("member", row) if row else None

    async def remove_member(self, member_id: str, db: Adapter | None = None) -> Row | None:
        return await self.store._delete("member", [Where("id", member_id)], adapter=db, veto_raises=True)

    # -- invitations ------------------------------------------------------------------------------------

    async def invitation(self, invitation_id: str) -> Row | None:
        row = await self.adapter.find_one("invitation", [Where("id", invitation_id)])
        return self.public("invitation", row) if row else None

    async def pending_invitations(self, organization_id: str, now: datetime, email: str | None = None,
                                  db: Adapter | None = None) -> list[Row]:
        where = [Where("organizationId", organization_id), Where("status", "pending"), Where("expiresAt", now, "gt")]
        if email is not None:
            where.insert(1, Where("email", email.lower()))
        rows = await (db or self.adapter).find_many("invitation", where, limit=None)
        return [self.public("invitation", r) for r in rows]

    async def invitations(self, organization_id: str) -> list[Row]:
        rows = await self.adapter.find_many(
            "invitation", [Where("organizationId", organization_id)], limit=self.store.find_many_limit,
            sort_by=OLDEST_FIRST,
        )
        return [self.public("invitation", r) for r in rows]

    async def user_invitations(self, email: str, now: datetime) -> list[Row]:
        rows = await self.adapter.find_many(
            "invitation",
            [Where("email", email.lower()), Where("status", "pending"), Where("expiresAt", now, "gt")],
            limit=self.store.find_many_limit,
        )
        if not rows:
            return []
        orgs = await self.adapter.find_many(
            "organization", [Where("id", list({r["organizationId"] for r in rows}), "in")], limit=len(rows)
        )
        names = {o["id"]: o["name"] for o in orgs}
        return [{**self.public("invitation", r), "organizationName": names.get(r["organizationId"])} for r in rows]

    async def count_pending_invitations(self, organization_id: str, now: datetime, db: Adapter) -> int:
        return await db.count("invitation", [
            Where("organizationId", organization_id), Where("status", "pending"), Where("expiresAt", now, "gt"),
        ])

    async def create_invitation(self, data: Mapping[str, Any], db: Adapter | None = None) -> Row:
        return self.public("invitation", await self.store._create("invitation", data, db))

    async def set_invitation(
        self, invitation_id: str, update: Mapping[str, Any], *, from_status: str | None = None,
        db: Adapter | None = None,
    ) -> Row | None:
        """Compare-and-set on ``status``: with ``from_status`` only one caller ever moves an invitation out
        of it (two concurrent accepts: one member)."""
        where = [Where("id", invitation_id)]
        if from_status is not None:
            where.append(Where("status", from_status))
        row = await (db or self.adapter).increment_one("invitation", where, {}, set=dict(update))
        return self.public("invitation", row) if row else None

    # -- stored roles (dynamic access control) ----------------------------------------------------------

    async def stored_roles(self, organization_id: str, db: Adapter | None = None) -> list[Row]:
        rows = await (db or self.adapter).find_many(
            "organizationRole", [Where("organizationId", organization_id)], limit=None, sort_by=OLDEST_FIRST
        )
        return [self.public("organizationRole", r) for r in rows]

    async def stored_role(self, organization_id: str, key: Where, db: Adapter | None = None) -> Row | None:
        """The organization's role whose ``role`` (name) or ``id`` is ``key``."""
        row = await (db or self.adapter).find_one("organizationRole", [Where("organizationId", organization_id), key])
        return self.public("organizationRole", row) if row else None

    async def count_stored_roles(self, organization_id: str, db: Adapter) -> int:
        return await db.count("organizationRole", [Where("organizationId", organization_id)])

    async def create_stored_role(self, data: Mapping[str, Any], db: Adapter) -> Row:
        return self.public("organizationRole", await self.store._create("organizationRole", data, db))

    async def update_stored_role(self, role_id: str, data: Mapping[str, Any], db: Adapter) -> Row | None:
        row = await self.store._update("organizationRole", [Where("id", role_id)], data, db)
        return self.public("organizationRole", row) if row else None

    async def delete_stored_role(self, role_id: str, db: Adapter) -> None:
        await self.store._delete("organizationRole", [Where("id", role_id)], adapter=db, veto_raises=True)

    async def rename_role(self, organization_id: str, old: str, new: str, db: Adapter) -> None:
        """Members and invitations holding ``old`` hold ``new`` instead (a renamed role keeps its holders)."""
        for model in ("member", "invitation"):
            for row in await self.holders(model, organization_id, old, db):
                names = [new if name == old else name for name in parse_role_list(row.get("role"))]
                await self.store._update(model, [Where("id", row["id"])], {"role": ",".join(names)}, db)

    # -- teams ------------------------------------------------------------------------------------------

    async def team(self, team_id: str, organization_id: str | None = None, db: Adapter | None = None) -> Row | None:
        where = [Where("id", team_id)]
        if organization_id is not None:
            where.append(Where("organizationId", organization_id))
        row = await (db or self.adapter).find_one("team", where)
        return self.public("team", row) if row else None

    async def teams(self, organization_id: str, db: Adapter | None = None, *, with_count: bool = False) -> list[Row]:
        """The organization's teams; ``with_count`` keeps ``memberCount`` (Better Auth's
        get-full-organization answers it)."""
        rows = await (db or self.adapter).find_many(
            "team", [Where("organizationId", organization_id)], limit=self.store.find_many_limit, sort_by=OLDEST_FIRST
        )
        if with_count:
            names = [f.name for f in self.store.schema["team"].fields]
            return [{**{n: r.get(n) for n in names}, "id": r["id"]} for r in rows]
        return [self.public("team", r) for r in rows]

    async def create_team(self, data: Mapping[str, Any], db: Adapter | None = None) -> Row:
        return self.public("team", await self.store._create("team", {**data, "memberCount": 0}, db))

    async def update_team(self, team_id: str, data: Mapping[str, Any]) -> Row | None:
        row = await self.store._update("team", [Where("id", team_id)], {**data, "updatedAt": self.store.clock()})
        return self.public("team", row) if row else None

    async def delete_team(self, team_id: str, organization_id: str, now: datetime) -> None:
        """The team, its members, and its id in pending invitations, together."""
        async with self.store.transaction() as tx:
            await self.store._delete_many("teamMember", [Where("teamId", team_id)], tx)
            await self.store._delete("team", [Where("id", team_id)], adapter=tx, veto_raises=True)
            for invitation in await self.pending_invitations(organization_id, now):
                ids = split_team_ids(invitation.get("teamId"))
                if team_id in ids:
                    rest = [i for i in ids if i != team_id]
                    await tx.update("invitation", [Where("id", invitation["id"])], {"teamId": ",".join(rest) or None})

    async def team_member(self, team_id: str, user_id: str, db: Adapter | None = None) -> Row | None:
        row = await (db or self.adapter).find_one("teamMember", [Where("teamId", team_id), Where("userId", user_id)])
        return self.public("teamMember", row) if row else None

    async def team_members(self, team_id: str) -> list[Row]:
        rows = await self.adapter.find_many(
            "teamMember", [Where("teamId", team_id)], limit=self.store.find_many_limit, sort_by=OLDEST_FIRST
        )
        return [self.public("teamMember", r) for r in rows]

    async def teams_of_user(self, user_id: str) -> list[Row]:
        links = await self.adapter.find_many("teamMember", [Where("userId", user_id)], limit=self.store.find_many_limit)
        if not links:
            return []
        rows = await self.adapter.find_many("team", [Where("id", [m["teamId"] for m in links], "in")], limit=len(links))
        return [self.public("team", r) for r in rows]

    async def add_team_member(self, team_id: str, user_id: str, maximum: int | None, db: Adapter) -> Row | None:
        """Add (or find) the membership; ``None`` when the team is full. Seats are counted on
        ``team.memberCount`` exactly as Better Auth counts them (a seat is reserved with a conditional
        increment before the row is written), so Node and Python instances share one limit."""
        key = membership_key(team_id, user_id)
        existing = await self._team_member_by_key(key, team_id, user_id, db)
        if existing is not None:
            return existing
        count = await db.count("teamMember", [Where("teamId", team_id)])
        await db.increment_one("team", [Where("id", team_id), Where("memberCount", count, "lt")], {},
                               set={"memberCount": count})
        if maximum is not None:
            reserved = await db.increment_one(
                "team", [Where("id", team_id), Where("memberCount", maximum, "lt")], {"memberCount": 1}
            )
            if reserved is None:
                return None
        try:
            row = await self.store._create("teamMember", {
                "teamId": team_id, "userId": user_id, "membershipKey": key, "createdAt": self.store.clock(),
            }, db)
        except UniqueViolation:  # added a moment ago by someone else
            if maximum is not None:
                await self._release_seats(team_id, 1, db)
            return await self._team_member_by_key(key, team_id, user_id, db)
        if maximum is None:
            await db.increment_one("team", [Where("id", team_id)], {"memberCount": 1})
        return self.public("teamMember", row)

    async def remove_team_members(self, team_ids: list[str], user_id: str, db: Adapter | None = None) -> int:
        removed = 0
        for team_id in team_ids:
            deleted = await self.store._delete_many("teamMember", [Where("teamId", team_id), Where("userId", user_id)], db)
            await self._release_seats(team_id, deleted, db or self.adapter)
            removed += deleted
        return removed

    async def _team_member_by_key(self, key: str, team_id: str, user_id: str, db: Adapter) -> Row | None:
        row = await db.find_one("teamMember", [Where("membershipKey", key)])
        if row is None:
            row = await db.find_one("teamMember", [Where("teamId", team_id), Where("userId", user_id)])
        return self.public("teamMember", row) if row else None

    async def _release_seats(self, team_id: str, count: int, db: Adapter) -> None:
        if count > 0:
            await db.increment_one("team", [Where("id", team_id), Where("memberCount", count, "gte")],
                                   {"memberCount": -count})


def split_team_ids(value: Any) -> list[str]:
    """``invitation.teamId`` holds one team id or several, comma-separated."""
    return [t for t in str(value).split(",") if t] if value else []
