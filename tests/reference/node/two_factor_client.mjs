// Drives a server's two-factor plugin with Better Auth 1.7.24's official client and `twoFactorClient()`, and
// prints a JSON report on stdout. Used by tests/conformance/test_official_two_factor_client.py.
//
//   node two_factor_client.mjs --base-url http://127.0.0.1:8123 --email someone@example.com
//
// Sign up, enable 2FA (TOTP), verify the first code, sign in again (the client must call
// `onTwoFactorRedirect`), finish with TOTP and trust the device, sign in from the trusted device, sign in
// from a new browser and finish with a backup code, regenerate backup codes, disable.
import { parseArgs } from "node:util";
import { twoFactorClient } from "better-auth/client/plugins";
import { createOTP } from "@better-auth/utils/otp";
import { base32 } from "@better-auth/utils/base32";
import { Browser as BaseBrowser, stepper } from "./client_report.mjs";

const { values: args } = parseArgs({ options: { "base-url": { type: "string" }, email: { type: "string" } } });
const BASE_URL = args["base-url"];
const email = args.email;
const password = "correct-horse-battery";

class Browser extends BaseBrowser {
  constructor() {
    const redirects = [];
    super(BASE_URL, [twoFactorClient({ onTwoFactorRedirect: (ctx) => redirects.push(ctx) })]);
    this.redirects = redirects;
  }
}

function codeFor(totpURI, offsetSteps = 0) {
  const secret = new URL(totpURI).searchParams.get("secret");
  const key = new TextDecoder().decode(base32.decode(secret));
  return createOTP(key).hotp(Math.floor(Date.now() / 30000) + offsetSteps);
}

const report = { steps: {} };
const step = stepper(report);

const alice = new Browser();
await step("signUp", () => alice.client.signUp.email({ email, password, name: "Client 2FA" }));
const enabled = await step("enable", () => alice.client.twoFactor.enable({ password }));
const uri = enabled.data?.totpURI;
const backupCodes = enabled.data?.backupCodes ?? [];
await step("verifyTotpEnable", async () => alice.client.twoFactor.verifyTotp({ code: await codeFor(uri) }));
await step("sessionAfterEnable", () => alice.client.getSession());

const laptop = new Browser();
await step("signInChallenged", async () => {
  const r = await laptop.client.signIn.email({ email, password });
  return { ...r, extra: { redirects: laptop.redirects, cookies: laptop.cookies() } };
});
await step("wrongTotp", () => laptop.client.twoFactor.verifyTotp({ code: "000000" }));
await step("verifyTotpSignIn", async () => {
  const r = await laptop.client.twoFactor.verifyTotp({ code: await codeFor(uri, 1), trustDevice: true });
  return { ...r, extra: { cookies: laptop.cookies() } };
});
await step("sessionAfterTotp", () => laptop.client.getSession());
await step("signOutLaptop", () => laptop.client.signOut());
await step("signInTrusted", async () => {
  const before = laptop.redirects.length;
  const r = await laptop.client.signIn.email({ email, password });
  return { ...r, extra: { newRedirects: laptop.redirects.length - before, cookies: laptop.cookies() } };
});

const phone = new Browser();
await step("signInPhone", () => phone.client.signIn.email({ email, password }));
await step("verifyBackupCode", () => phone.client.twoFactor.verifyBackupCode({ code: backupCodes[0] }));
await step("sessionAfterBackup", () => phone.client.getSession());
await step("generateBackupCodes", () => phone.client.twoFactor.generateBackupCodes({ password }));
await step("getTotpUri", () => phone.client.twoFactor.getTotpUri({ password }));
await step("disable", () => phone.client.twoFactor.disable({ password }));
const after = new Browser();
await step("signInAfterDisable", () => after.client.signIn.email({ email, password }));

console.log(JSON.stringify(report));
