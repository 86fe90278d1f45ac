"""``/organization/*-role`` endpoints (only with ``dynamic_access_control``): roles an organization stores in
``organizationRole`` and manages itself, path for path and shape for shape Better Auth 1.7's.

Who may do what is Better Auth's rule: the ``ac`` resource (``create``, ``read``, ``update``, ``delete``)
decides who manages roles, and a role may only be given permissions its author holds (``403`` with
``missingPermissions``). Stored roles count in every permission check (``Org.roles``). Beyond Better Auth:

* a role name is one name (no comma, no surrounding spaces, not empty), so it can be held in a role list;
* creating a role checks the limit and the name under the organization's lock, so concurrent creates neither
  exceed ``maximum_roles_per_organization`` nor store one name twice;
* renaming a role renames it for the members and invitations holding it (Better Auth leaves them holding a
  name that no longer grants anything, and that a later role of that name would bring back);
* a stored role whose permission text is not valid grants nothing (Better Auth answers 500 to every
  permission check of the organization).
"""

from __future__ import annotations

import json
import math
from typing import Any, cast

from ...context import RequestContext
from ...db.adapter import Adapter, Where
from ...endpoints import Endpoint, endpoint
from ...errors import APIError, ErrorCode
from ...validation import F, Shape, received, validation_error
from ._common import Org, signed_in
from .access import AccessControl, parse_permission
from .config import DynamicAccessControl, resolve
from .errors import OrganizationErrorCodes as E

TAGS = ("organization",)
ORGANIZATION_ID = F("string", optional=True)


def build_role_endpoints(org: Org, dac: DynamicAccessControl) -> tuple[Endpoint, ...]:
    options = org.options

    def predefined(name: str) -> bool:
        return name in org.options.effective_roles

    async def manager(ctx: RequestContext, organization_id: str, action: str, denied: ErrorCode) -> dict[str, Any]:
        """The caller's membership, holding ``ac:<action>``."""
        session = signed_in(ctx)
        member = await org.membership(ctx, organization_id, session.user_id,
                                      error=E.YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION, status=403)
        await org.require(ctx, member, {"ac": [action]}, denied)
        return member

    async def reader(ctx: RequestContext, denied: ErrorCode) -> str:
        """The organization the query names (else the active one), where the caller holds ``ac:read``."""
        organization_id = organization_of(ctx, ctx.query.get("organizationId"))
        await manager(ctx, organization_id, "read", denied)
        return organization_id

    def organization_of(ctx: RequestContext, given: Any, missing: ErrorCode = E.NO_ACTIVE_ORGANIZATION) -> str:
        organization_id = given or signed_in(ctx).session.get("activeOrganizationId")
        if not organization_id:
            raise APIError(400, missing)
        return str(organization_id)

    async def grantable(ctx: RequestContext, ac: AccessControl, member: dict[str, Any],
                        permission: dict[str, list[str]], denied: ErrorCode) -> None:
        """Better Auth's ``checkForInvalidResources`` and ``checkIfMemberHasPermission``: every resource is
        one of ``ac``'s, and the caller holds every action the role would grant."""
        if any(resource not in ac.statements for resource in permission):
            raise APIError(400, E.INVALID_RESOURCE)
        missing = [f"{resource}:{action}" for resource, actions in permission.items() for action in actions
                   if not await org.allowed(ctx, member, {resource: [action]})]
        if missing:
            body = {"message": denied.message, "code": str(denied), "missingPermissions": missing}
            raise APIError(403, denied, body=json.dumps(body).encode())

    async def check_name_free(organization_id: str, name: str, db: Adapter) -> None:
        if predefined(name) or await org.store.stored_role(organization_id, Where("role", name), db) is not None:
            raise APIError(400, E.ROLE_NAME_IS_ALREADY_TAKEN)

    async def locked_role(organization_id: str, key: Where, tx: Adapter) -> dict[str, Any]:
        """The stored role ``key`` names, with the organization locked for the rest of ``tx``."""
        if not await org.store.lock(organization_id, tx):
            raise APIError(400, E.ORGANIZATION_NOT_FOUND)
        found = await org.store.stored_role(organization_id, key, tx)
        if found is None:
            raise APIError(400, E.ROLE_NOT_FOUND)
        return found

    def require_ac() -> AccessControl:
        if options.ac is None:
            raise APIError(501, E.MISSING_AC_INSTANCE)
        return options.ac

    async def role_limit(organization_id: str) -> float:
        limit = dac.maximum_roles_per_organization
        value = await resolve(limit, organization_id) if limit is not None else math.inf
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.inf

    @endpoint("/organization/create-role", "POST", name="create_org_role", body=Shape({
        "organizationId": ORGANIZATION_ID, "role": F("string"), "permission": F("any", optional=True),
        "additionalFields": F("object", optional=True),
    }), session="session", tags=TAGS)
    async def create_org_role(ctx: RequestContext) -> Any:
        body = ctx.body
        permission = checked_permission(body, "permission", "body.permission")
        check_role_name(body["role"], "body.role")
        ac = require_ac()
        organization_id = organization_of(ctx, body.get("organizationId"),
                                          E.YOU_MUST_BE_IN_AN_ORGANIZATION_TO_CREATE_A_ROLE)
        name = body["role"].lower()
        if predefined(name):
            raise APIError(400, E.ROLE_NAME_IS_ALREADY_TAKEN)
        member = await manager(ctx, organization_id, "create", E.YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE)
        maximum = await role_limit(organization_id)
        async with ctx.auth.store.transaction() as tx:
            if not await org.store.lock(organization_id, tx):
                raise APIError(400, E.ORGANIZATION_NOT_FOUND)
            if await org.store.count_stored_roles(organization_id, tx) >= maximum:
                raise APIError(400, E.TOO_MANY_ROLES)
            await grantable(ctx, ac, member, permission, E.YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE)
            await check_name_free(organization_id, name, tx)
            created = await org.store.create_stored_role({
                "organizationId": organization_id, "role": name, "permission": permission_text(permission),
                "createdAt": ctx.auth.now(), "updatedAt": None,
            }, tx)
        org.forget_roles(ctx, organization_id)
        return {"success": True, "roleData": {**created, "permission": permission}, "statements": permission}

    @endpoint("/organization/delete-role", "POST", name="delete_org_role",
              body=Shape({"organizationId": ORGANIZATION_ID}), session="session", tags=TAGS)
    async def delete_org_role(ctx: RequestContext) -> Any:
        key, by_name = role_key(ctx.body, "body")
        organization_id = organization_of(ctx, ctx.body.get("organizationId"))
        await manager(ctx, organization_id, "delete", E.YOU_ARE_NOT_ALLOWED_TO_DELETE_A_ROLE)
        if by_name and predefined(key.value):
            raise APIError(400, E.CANNOT_DELETE_A_PRE_DEFINED_ROLE)
        async with ctx.auth.store.transaction() as tx:
            found = await locked_role(organization_id, key, tx)
            if await org.store.holders("member", organization_id, found["role"], tx):
                raise APIError(400, E.ROLE_IS_ASSIGNED_TO_MEMBERS)
            await org.store.delete_stored_role(found["id"], tx)
        org.forget_roles(ctx, organization_id)
        return {"success": True}

    @endpoint("/organization/list-roles", "GET", name="list_org_roles",
              query=Shape({"organizationId": ORGANIZATION_ID}), session="session", tags=TAGS)
    async def list_org_roles(ctx: RequestContext) -> Any:
        organization_id = await reader(ctx, E.YOU_ARE_NOT_ALLOWED_TO_LIST_A_ROLE)
        return [answered(row) for row in await org.store.stored_roles(organization_id)]

    @endpoint("/organization/get-role", "GET", name="get_org_role",
              query=Shape({"organizationId": ORGANIZATION_ID}), session="session", tags=TAGS)
    async def get_org_role(ctx: RequestContext) -> Any:
        key, _ = role_key(ctx.query, "query")
        found = await org.store.stored_role(await reader(ctx, E.YOU_ARE_NOT_ALLOWED_TO_READ_A_ROLE), key)
        if found is None:
            raise APIError(400, E.ROLE_NOT_FOUND)
        return answered(found)

    @endpoint("/organization/update-role", "POST", name="update_org_role", body=Shape({
        "organizationId": ORGANIZATION_ID, "data": F("object"),
    }), session="session", tags=TAGS)
    async def update_org_role(ctx: RequestContext) -> Any:
        body = ctx.body
        data = body["data"]
        permission = checked_permission(data, "permission", "body.data.permission") if "permission" in data else None
        new_name = data.get("roleName")
        if new_name is not None and not isinstance(new_name, str):
            kind = received(new_name)
            raise validation_error([f"[body.data.roleName] Invalid input: expected string, received {kind}"])
        if new_name:
            check_role_name(new_name, "body.data.roleName")
        key, _ = role_key(body, "body")
        ac = require_ac()
        organization_id = organization_of(ctx, body.get("organizationId"))
        member = await manager(ctx, organization_id, "update", E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE)
        async with ctx.auth.store.transaction() as tx:
            found = await locked_role(organization_id, key, tx)
            update: dict[str, Any] = {"updatedAt": ctx.auth.now()}
            if permission is not None:
                await grantable(ctx, ac, member, permission, E.YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE)
                update["permission"] = permission_text(permission)
            if new_name:
                name = new_name.lower()
                if name != found["role"]:
                    await check_name_free(organization_id, name, tx)
                    await org.store.rename_role(organization_id, found["role"], name, tx)
                update["role"] = name
            updated = await org.store.update_stored_role(found["id"], update, tx)
            if updated is None:
                raise APIError(400, E.ROLE_NOT_FOUND)
        org.forget_roles(ctx, organization_id)
        return {"success": True, "roleData": answered(updated)}

    return create_org_role, delete_org_role, list_org_roles, get_org_role, update_org_role


def answered(row: dict[str, Any]) -> dict[str, Any]:
    """A stored role as Better Auth answers it: ``permission`` parsed (``null`` when the text is not valid,
    where Better Auth answers 500)."""
    return {**row, "permission": parse_permission(row.get("permission"))}


def permission_text(permission: dict[str, list[str]]) -> str:
    """``JSON.stringify`` of the statements, as Better Auth stores them."""
    return json.dumps(permission, separators=(",", ":"), ensure_ascii=False)


def checked_permission(values: dict[str, Any], name: str, where: str) -> dict[str, list[str]]:
    """``values[name]`` is a ``z.record(z.string(), z.array(z.string()))``, with zod's messages."""
    value = values.get(name)
    if not isinstance(value, dict):
        kind = received(value) if name in values else "undefined"
        raise validation_error([f"[{where}] Invalid input: expected record, received {kind}"])
    issues = []
    for resource, actions in value.items():
        if not isinstance(actions, list):
            issues.append(f"[{where}.{resource}] Invalid input: expected array, received {received(actions)}")
            continue
        issues += [f"[{where}.{resource}.{i}] Invalid input: expected string, received {received(a)}"
                   for i, a in enumerate(actions) if not isinstance(a, str)]
    if issues:
        raise validation_error(issues)
    return cast("dict[str, list[str]]", value)


def check_role_name(name: str, where: str) -> None:
    """One role name: a role column holds names comma-separated and trimmed, so a name with a comma or
    surrounding spaces could never be held (Better Auth stores it anyway)."""
    if not name.strip() or "," in name or name != name.strip():
        raise validation_error(
            [f"[{where}] Invalid role name: expected one name, without commas or surrounding spaces"]
        )


def role_key(values: dict[str, Any], where: str) -> tuple[Where, bool]:
    """Better Auth's ``roleName | roleId`` union (a non-empty string each; ``roleName`` first): the lookup
    and whether it is by name. Refused as zod refuses it: when exactly one of them is an empty string, that
    one is "too small", else the union is "invalid"."""
    name, role_id = values.get("roleName"), values.get("roleId")
    if isinstance(name, str) and name:
        return Where("role", name), True
    if isinstance(role_id, str) and role_id:
        return Where("id", role_id), False
    empty = [key for key, value in (("roleName", name), ("roleId", role_id)) if value == ""]
    if len(empty) == 1:
        raise validation_error([f"[{where}.{empty[0]}] Too small: expected string to have >=1 characters"])
    raise validation_error([f"[{where}] Invalid input"])
