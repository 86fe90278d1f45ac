// Drives a server's device-authorization plugin with Better Auth 1.7.24's official client and
// `deviceAuthorizationClient()`, and prints a JSON report on stdout. Used by
// tests/conformance/test_official_device_client.py (the server runs the plugin with a 2 s interval, and bearer).
//
//   node device_client.mjs --base-url http://127.0.0.1:8123 --email someone@example.com
//
// A device asks for codes and polls; a browser signs up, verifies the user code (claiming it) and approves; the
// device receives its token and reads its session with it; a second device is denied.
import { parseArgs } from "node:util";
import { deviceAuthorizationClient } from "better-auth/client/plugins";
import { Browser, stepper } from "./client_report.mjs";

const { values: args } = parseArgs({ options: { "base-url": { type: "string" }, email: { type: "string" } } });
const BASE_URL = args["base-url"];
const email = args.email;
const password = "correct-horse-battery";
const GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const report = { steps: {} };
const step = stepper(report);

const device = new Browser(BASE_URL, [deviceAuthorizationClient()]);
const browser = new Browser(BASE_URL, [deviceAuthorizationClient()]);

const codes = await step("code", () => device.client.device.code({ client_id: "tv-app", scope: "openid profile" }));
const { device_code, user_code } = codes.data ?? {};
await step("pending", () => device.client.device.token({ grant_type: GRANT_TYPE, device_code, client_id: "tv-app" }));
await step("slowDown", () => device.client.device.token({ grant_type: GRANT_TYPE, device_code, client_id: "tv-app" }));
await step("signUp", () => browser.client.signUp.email({ email, password, name: "Device Owner" }));
await step("verify", () => browser.client.device({ query: { user_code: user_code.toLowerCase() } }));
await step("approve", () => browser.client.device.approve({ userCode: user_code }));
await sleep(2100);
const token = await step("token", () =>
  device.client.device.token({ grant_type: GRANT_TYPE, device_code, client_id: "tv-app" }),
);
await step("session", () =>
  device.client.getSession({ fetchOptions: { headers: { authorization: `Bearer ${token.data?.access_token}` } } }),
);
await sleep(2100);
await step("spent", () => device.client.device.token({ grant_type: GRANT_TYPE, device_code, client_id: "tv-app" }));

const second = await step("code2", () => device.client.device.code({ client_id: "tv-app" }));
await step("verify2", () => browser.client.device({ query: { user_code: second.data?.user_code } }));
await step("deny", () => browser.client.device.deny({ userCode: second.data?.user_code }));
await step("denied", () =>
  device.client.device.token({ grant_type: GRANT_TYPE, device_code: second.data?.device_code, client_id: "tv-app" }),
);

console.log(JSON.stringify(report));
