// Drives a server with Better Auth 1.7.24's official client (createAuthClient from better-auth/client)
// and prints a JSON report on stdout. Used by tests/conformance/test_official_client.py against tessera;
// it works against the reference server too (`node official_client.mjs --base-url http://127.0.0.1:3000`).
//
// The client expects a browser: cookies live in the browser's jar and the browser sends Origin. Here each
// simulated browser is a small cookie jar plus a customFetchImpl that adds `Cookie` and `Origin`.
import { parseArgs } from "node:util";
import { createAuthClient } from "better-auth/client";
import { stepper } from "./client_report.mjs";

const { values: args } = parseArgs({
  options: {
    "base-url": { type: "string" },
    email: { type: "string", default: `client-${Date.now()}@example.com` },
  },
});
const BASE_URL = args["base-url"];
if (!BASE_URL) {
  console.error("--base-url is required");
  process.exit(2);
}

// -- a browser: cookie jar + fetch -------------------------------------------------------------------

class Browser {
  constructor(name) {
    this.name = name;
    this.jar = new Map();
    this.requests = [];
    this.client = createAuthClient({
      baseURL: BASE_URL,
      fetchOptions: { customFetchImpl: (input, init) => this.fetch(input, init) },
    });
  }

  async fetch(input, init = {}) {
    const url = typeof input === "string" || input instanceof URL ? String(input) : input.url;
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    if (this.jar.size) headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("origin", BASE_URL);
    const res = await fetch(input instanceof Request ? input.url : input, { ...init, headers });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) this.store(line);
    this.requests.push({
      method: init.method || "GET",
      path: new URL(url).pathname,
      status: res.status,
      contentType: res.headers.get("content-type"),
      setCookie: setCookies.map((c) => c.split(";")[0].split("=")[0]),
    });
    return res;
  }

  store(line) {
    const [pair, ...attrs] = line.split(";").map((s) => s.trim());
    const eq = pair.indexOf("=");
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    const expired = attrs.some((a) => /^max-age=0$/i.test(a)) || value === "";
    if (expired) this.jar.delete(name);
    else this.jar.set(name, value);
  }

  cookieNames() {
    return [...this.jar.keys()].sort();
  }
}

// -- report helpers ----------------------------------------------------------------------------------

const report = { baseURL: BASE_URL, steps: {}, order: [] };

const step = stepper(report);

// -- the scenario ------------------------------------------------------------------------------------

const email = args.email;
const password = "correct-horse-battery";
const newPassword = "even-better-horse-battery";

const a = new Browser("a"); // signs up, stays signed in until the end
const b = new Browser("b"); // a second device
const c = new Browser("c"); // signs in after the password change
const d = new Browser("d"); // revoked individually

await step("signUp", () => a.client.signUp.email({ email, password, name: "Client Alice" }));
await step("cookiesAfterSignUp", async () => ({ extra: a.cookieNames() }));
await step("signInWrongPassword", () => b.client.signIn.email({ email, password: "wrong-password-1" }));
await step("signInUnknownEmail", () =>
  b.client.signIn.email({ email: `nobody-${Date.now()}@example.com`, password }),
);
await step("signInB", () => b.client.signIn.email({ email, password }));
await step("getSessionA", () => a.client.getSession());
await step("listSessions2", () => a.client.listSessions());
await step("updateUser", () => a.client.updateUser({ name: "Client Alice Updated", image: "https://example.com/a.png" }));
await step("getSessionAfterUpdate", () => a.client.getSession());
await step("changePasswordWrong", () =>
  a.client.changePassword({ currentPassword: "not-the-password", newPassword }),
);
await step("changePasswordTooShort", () => a.client.changePassword({ currentPassword: password, newPassword: "short" }));
await step("changePassword", () => a.client.changePassword({ currentPassword: password, newPassword }));
await step("signInOldPassword", () => c.client.signIn.email({ email, password }));
await step("signInNewPassword", () => c.client.signIn.email({ email, password: newPassword }));
await step("signInD", () => d.client.signIn.email({ email, password: newPassword, rememberMe: false }));
await step("cookiesD", async () => ({ extra: d.cookieNames() }));
await step("listSessions4", () => a.client.listSessions());
const dToken = report.steps.signInD.data?.token;
await step("revokeSessionD", () => a.client.revokeSession({ token: dToken }));
await step("getSessionD", () => d.client.getSession());
await step("listSessions3", () => a.client.listSessions());
await step("revokeOtherSessions", () => a.client.revokeOtherSessions());
await step("getSessionB", () => b.client.getSession());
await step("getSessionC", () => c.client.getSession());
await step("listSessions1", () => a.client.listSessions());
await step("getSessionAStill", () => a.client.getSession());
await step("signOut", () => a.client.signOut());
await step("cookiesAfterSignOut", async () => ({ extra: a.cookieNames() }));
await step("getSessionAfterSignOut", () => a.client.getSession());
await step("listSessionsAfterSignOut", () => a.client.listSessions());

report.requests = Object.fromEntries([a, b, c, d].map((x) => [x.name, x.requests]));
process.stdout.write(JSON.stringify(report, null, 2) + "\n");
