// Drives a server's admin plugin with Better Auth 1.7.24's official client and `adminClient()`, and prints
// a JSON report on stdout. Used by tests/conformance/test_official_admin_client.py. The admin account
// (--admin-email, password "correct-horse-battery") must exist and hold role "admin" already.
import { parseArgs } from "node:util";
import { adminClient } from "better-auth/client/plugins";
import { Browser as BaseBrowser, stepper } from "./client_report.mjs";

const { values: args } = parseArgs({
  options: {
    "base-url": { type: "string" },
    "admin-email": { type: "string" },
    "user-email": { type: "string" },
  },
});
const BASE_URL = args["base-url"];
const Browser = class extends BaseBrowser {
  constructor() {
    super(BASE_URL, [adminClient()]);
  }
};
const password = "correct-horse-battery";

const report = { steps: {} };
const step = stepper(report);

const boss = new Browser();
const user = new Browser();
await step("signInAdmin", () => boss.client.signIn.email({ email: args["admin-email"], password }));
const created = await step("createUser", () =>
  boss.client.admin.createUser({ email: args["user-email"], password, name: "Client User", role: "user" }),
);
const userId = created.data?.user?.id;
await step("listUsers", () => boss.client.admin.listUsers({ query: { limit: 10, sortBy: "createdAt" } }));
await step("hasPermission", () => boss.client.admin.hasPermission({ permissions: { user: ["ban"] } }));
await step("checkRolePermission", async () => ({
  data: boss.client.admin.checkRolePermission({ role: "user", permissions: { user: ["list"] } }),
}));
await step("signInUser", () => user.client.signIn.email({ email: args["user-email"], password }));
await step("listUsersAsUser", () => user.client.admin.listUsers({ query: {} }));
await step("banUser", () => boss.client.admin.banUser({ userId, banReason: "client test" }));
await step("userSessionAfterBan", () => user.client.getSession());
await step("signInBanned", () => user.client.signIn.email({ email: args["user-email"], password }));
await step("unbanUser", () => boss.client.admin.unbanUser({ userId }));
await step("impersonateUser", () => boss.client.admin.impersonateUser({ userId }));
await step("sessionWhileImpersonating", () => boss.client.getSession());
await step("stopImpersonating", () => boss.client.admin.stopImpersonating());
await step("sessionAfterStop", () => boss.client.getSession());
await step("setRole", () => boss.client.admin.setRole({ userId, role: "admin" }));
await step("removeUser", () => boss.client.admin.removeUser({ userId }));
console.log(JSON.stringify(report));
