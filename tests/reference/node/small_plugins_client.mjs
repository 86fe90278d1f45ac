// Drives a server's one-time-token, last-login-method and custom-session plugins with Better Auth 1.7.24's
// official client (`oneTimeTokenClient()`, `lastLoginMethodClient()`, `customSessionClient()`), and prints a
// JSON report on stdout. Used by tests/conformance/test_official_small_plugins_client.py.
//
//   node small_plugins_client.mjs --base-url http://127.0.0.1:8123 --email someone@example.com
//
// Sign up, read the customised session, generate a one-time token, redeem it in a second browser (which then
// holds the session), replay it, and report the last-login-method cookie each browser holds.
import { parseArgs } from "node:util";
import { customSessionClient, lastLoginMethodClient, oneTimeTokenClient } from "better-auth/client/plugins";
import { Browser as BaseBrowser, stepper } from "./client_report.mjs";

const { values: args } = parseArgs({ options: { "base-url": { type: "string" }, email: { type: "string" } } });
const BASE_URL = args["base-url"];
const email = args.email;
const password = "correct-horse-battery";
const LAST = "better-auth.last_used_login_method";

class Browser extends BaseBrowser {
  constructor() {
    super(BASE_URL, [oneTimeTokenClient(), lastLoginMethodClient(), customSessionClient()]);
  }
}

const report = { steps: {} };
const step = stepper(report);

const desktop = new Browser();
await step("signUp", async () => {
  const r = await desktop.client.signUp.email({ email, password, name: "Client Small" });
  return { ...r, extra: { lastLoginMethod: desktop.jar.get(LAST) ?? null } };
});
await step("customSession", () => desktop.client.getSession());
const generated = await step("generate", () => desktop.client.oneTimeToken.generate());
const browser = new Browser();
await step("verify", async () => {
  const r = await browser.client.oneTimeToken.verify({ token: generated.data?.token });
  return { ...r, extra: { cookies: browser.cookies(), lastLoginMethod: browser.jar.get(LAST) ?? null } };
});
await step("sessionInBrowser", () => browser.client.getSession());
await step("replay", () => new Browser().client.oneTimeToken.verify({ token: generated.data?.token }));
await step("signIn", async () => {
  const fresh = new Browser();
  const r = await fresh.client.signIn.email({ email, password });
  return { ...r, extra: { lastLoginMethod: fresh.jar.get(LAST) ?? null, serverSideRead: fresh.client.getLastUsedLoginMethod() } };
});

console.log(JSON.stringify(report));
