// Drives a server's organization plugin with Better Auth 1.7.24's official client and
// `organizationClient()`, and prints a JSON report on stdout: create → invite → accept → list → manage.
// Used by tests/conformance/test_official_organization_client.py.
import { parseArgs } from "node:util";
import { organizationClient } from "better-auth/client/plugins";
import { Browser, stepper } from "./client_report.mjs";

const { values: args } = parseArgs({
  options: {
    "base-url": { type: "string" },
    "owner-email": { type: "string" },
    "invitee-email": { type: "string" },
    slug: { type: "string" },
  },
});
const BASE_URL = args["base-url"];
const password = "correct-horse-battery";
const slug = args.slug;

const report = { steps: {} };
const step = stepper(report);
const owner = new Browser(BASE_URL, [organizationClient()]);
const invitee = new Browser(BASE_URL, [organizationClient()]);
const org = (b) => b.client.organization;

await step("signUpOwner", () => owner.client.signUp.email({ email: args["owner-email"], password, name: "Owner" }));
await step("signUpInvitee", () =>
  invitee.client.signUp.email({ email: args["invitee-email"], password, name: "Invitee" }),
);
const created = await step("create", () => org(owner).create({ name: "Client Org", slug, metadata: { tier: 1 } }));
const organizationId = created.data?.id;
await step("checkSlug", () => org(owner).checkSlug({ slug }));
await step("list", () => org(owner).list());
await step("getFullOrganization", () => org(owner).getFullOrganization());
const invited = await step("inviteMember", () =>
  org(owner).inviteMember({ email: args["invitee-email"], role: "member" }),
);
const invitationId = invited.data?.id;
await step("listInvitations", () => org(owner).listInvitations());
await step("getInvitation", () => org(invitee).getInvitation({ query: { id: invitationId } }));
await step("acceptInvitation", () => org(invitee).acceptInvitation({ invitationId }));
await step("activeMember", () => org(invitee).getActiveMember());
await step("activeMemberRole", () => org(invitee).getActiveMemberRole());
const members = await step("listMembers", () => org(owner).listMembers());
const inviteeMember = members.data?.members?.find((m) => m.user.email === args["invitee-email"]);
await step("hasPermissionBefore", () => org(invitee).hasPermission({ permissions: { member: ["create"] } }));
await step("updateMemberRole", () => org(owner).updateMemberRole({ memberId: inviteeMember?.id, role: "admin" }));
await step("hasPermissionAfter", () => org(invitee).hasPermission({ permissions: { member: ["create"] } }));
await step("checkRolePermission", async () => ({
  data: org(owner).checkRolePermission({ role: "member", permissions: { member: ["create"] } }),
}));
await step("ownerCannotLeave", () => org(owner).leave({ organizationId }));
await step("leave", () => org(invitee).leave({ organizationId }));
await step("setActiveNull", () => org(owner).setActive({ organizationId: null }));
await step("setActiveAgain", () => org(owner).setActive({ organizationSlug: slug }));
await step("delete", () => org(owner).delete({ organizationId }));
await step("listAfterDelete", () => org(owner).list());
console.log(JSON.stringify(report));
