"""Error codes of the organization plugin, Better Auth's ``ORGANIZATION_ERROR_CODES`` string for string."""

from __future__ import annotations

from ...errors import ErrorCodes, code


class OrganizationErrorCodes(ErrorCodes):
    YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION = code("You are not allowed to create a new organization")
    YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_ORGANIZATIONS = code("You have reached the maximum number of organizations")
    ORGANIZATION_ALREADY_EXISTS = code("Organization already exists")
    ORGANIZATION_SLUG_ALREADY_TAKEN = code("Organization slug already taken")
    ORGANIZATION_NOT_FOUND = code("Organization not found")
    USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION = code("User is not a member of the organization")
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_ORGANIZATION = code("You are not allowed to update this organization")
    YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_ORGANIZATION = code("You are not allowed to delete this organization")
    NO_ACTIVE_ORGANIZATION = code("No active organization")
    USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION = code("User is already a member of this organization")
    MEMBER_NOT_FOUND = code("Member not found")
    ROLE_NOT_FOUND = code("Role not found")
    YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM = code("You are not allowed to create a new team")
    TEAM_ALREADY_EXISTS = code("Team already exists")
    TEAM_NOT_FOUND = code("Team not found")
    YOU_CANNOT_LEAVE_THE_ORGANIZATION_AS_THE_ONLY_OWNER = code("You cannot leave the organization as the only owner")
    YOU_CANNOT_LEAVE_THE_ORGANIZATION_WITHOUT_AN_OWNER = code("You cannot leave the organization without an owner")
    YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_MEMBER = code("You are not allowed to delete this member")
    YOU_ARE_NOT_ALLOWED_TO_INVITE_USERS_TO_THIS_ORGANIZATION = code(
        "You are not allowed to invite users to this organization"
    )
    USER_IS_ALREADY_INVITED_TO_THIS_ORGANIZATION = code("User is already invited to this organization")
    INVITATION_NOT_FOUND = code("Invitation not found")
    YOU_ARE_NOT_THE_RECIPIENT_OF_THE_INVITATION = code("You are not the recipient of the invitation")
    EMAIL_VERIFICATION_REQUIRED_BEFORE_ACCEPTING_OR_REJECTING_INVITATION = code(
        "Email verification required before accepting or rejecting invitation"
    )
    EMAIL_VERIFICATION_REQUIRED_FOR_INVITATION = code(
        "Email verification required to view or list invitations for the session email"
    )
    YOU_ARE_NOT_ALLOWED_TO_CANCEL_THIS_INVITATION = code("You are not allowed to cancel this invitation")
    YOU_ARE_NOT_ALLOWED_TO_LIST_INVITATIONS = code("You are not allowed to list invitations for this organization")
    INVITER_IS_NO_LONGER_A_MEMBER_OF_THE_ORGANIZATION = code("Inviter is no longer a member of the organization")
    YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE = code("You are not allowed to invite a user with this role")
    FAILED_TO_RETRIEVE_INVITATION = code("Failed to retrieve invitation")
    YOU_HAVE_REACHED_THE_MAXIMUM_NUMBER_OF_TEAMS = code("You have reached the maximum number of teams")
    UNABLE_TO_REMOVE_LAST_TEAM = code("Unable to remove last team")
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_MEMBER = code("You are not allowed to update this member")
    ORGANIZATION_MEMBERSHIP_LIMIT_REACHED = code("Organization membership limit reached")
    YOU_ARE_NOT_ALLOWED_TO_CREATE_TEAMS_IN_THIS_ORGANIZATION = code(
        "You are not allowed to create teams in this organization"
    )
    YOU_ARE_NOT_ALLOWED_TO_DELETE_TEAMS_IN_THIS_ORGANIZATION = code(
        "You are not allowed to delete teams in this organization"
    )
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_THIS_TEAM = code("You are not allowed to update this team")
    YOU_ARE_NOT_ALLOWED_TO_DELETE_THIS_TEAM = code("You are not allowed to delete this team")
    INVITATION_LIMIT_REACHED = code("Invitation limit reached")
    TEAM_MEMBER_LIMIT_REACHED = code("Team member limit reached")
    USER_IS_NOT_A_MEMBER_OF_THE_TEAM = code("User is not a member of the team")
    YOU_CAN_NOT_ACCESS_THE_MEMBERS_OF_THIS_TEAM = code("You are not allowed to list the members of this team")
    YOU_DO_NOT_HAVE_AN_ACTIVE_TEAM = code("You do not have an active team")
    YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_TEAM_MEMBER = code("You are not allowed to create a new member")
    YOU_ARE_NOT_ALLOWED_TO_REMOVE_A_TEAM_MEMBER = code("You are not allowed to remove a team member")
    YOU_ARE_NOT_ALLOWED_TO_ACCESS_THIS_ORGANIZATION = code(
        "You are not allowed to access this organization as an owner"
    )
    YOU_ARE_NOT_A_MEMBER_OF_THIS_ORGANIZATION = code("You are not a member of this organization")
    MISSING_AC_INSTANCE = code(
        "Dynamic Access Control requires a pre-defined ac instance on the server auth plugin. Read server logs for more information"
    )
    YOU_MUST_BE_IN_AN_ORGANIZATION_TO_CREATE_A_ROLE = code("You must be in an organization to create a role")
    YOU_ARE_NOT_ALLOWED_TO_CREATE_A_ROLE = code("You are not allowed to create a role")
    YOU_ARE_NOT_ALLOWED_TO_UPDATE_A_ROLE = code("You are not allowed to update a role")
    YOU_ARE_NOT_ALLOWED_TO_DELETE_A_ROLE = code("You are not allowed to delete a role")
    YOU_ARE_NOT_ALLOWED_TO_READ_A_ROLE = code("You are not allowed to read a role")
    YOU_ARE_NOT_ALLOWED_TO_LIST_A_ROLE = code("You are not allowed to list a role")
    YOU_ARE_NOT_ALLOWED_TO_GET_A_ROLE = code("You are not allowed to get a role")
    TOO_MANY_ROLES = code("This organization has too many roles")
    INVALID_RESOURCE = code("The provided permission includes an invalid resource")
    ROLE_NAME_IS_ALREADY_TAKEN = code("That role name is already taken")
    CANNOT_DELETE_A_PRE_DEFINED_ROLE = code("Cannot delete a pre-defined role")
    ROLE_IS_ASSIGNED_TO_MEMBERS = code(
        "Cannot delete a role that is assigned to members. Please reassign the members to a different role first"
    )
    INVALID_TEAM_ID = code("Team id contains a reserved character")
    #: tessera's own: deleting the account of an organization's only owner (Better Auth deletes it)
    USER_IS_THE_ONLY_OWNER_OF_AN_ORGANIZATION = code(
        "The user is the only owner of an organization: transfer its ownership or delete it first"
    )
