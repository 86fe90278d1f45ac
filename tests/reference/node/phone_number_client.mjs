// Drives a server's phone-number plugin with Better Auth 1.7.24's official client and `phoneNumberClient()`,
// and prints a JSON report on stdout. Used by tests/conformance/test_official_phone_number_client.py.
//
//   node phone_number_client.mjs --base-url http://127.0.0.1:8123 --email someone@example.com \
//        --phone +15550100 --new-phone +15550101 --outbox /tmp/outbox.jsonl
//
// The server appends the codes it sends to the outbox file (JSON lines {phoneNumber, code, type}). Sign up by
// email, add a phone number (send-otp, a wrong code, verify with updatePhoneNumber), sign in by number and
// password from another browser, reset the password by SMS, sign in with the new one, and sign up by proving a
// new number.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { phoneNumberClient } from "better-auth/client/plugins";
import { Browser, stepper } from "./client_report.mjs";

const { values: args } = parseArgs({
  options: {
    "base-url": { type: "string" }, email: { type: "string" }, phone: { type: "string" },
    "new-phone": { type: "string" }, outbox: { type: "string" },
  },
});
const BASE_URL = args["base-url"];
const { email, phone } = args;
const password = "correct-horse-battery";

function lastCode(number, type = "otp") {
  const lines = readFileSync(args.outbox, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l));
  return lines.reverse().find((sms) => sms.phoneNumber === number && sms.type === type)?.code;
}

const browser = () => new Browser(BASE_URL, [phoneNumberClient()]);
const report = { steps: {} };
const step = stepper(report);

const alice = browser();
await step("signUp", () => alice.client.signUp.email({ email, password, name: "Client Phone" }));
await step("sendOtp", () => alice.client.phoneNumber.sendOtp({ phoneNumber: phone }));
await step("wrongCode", () => alice.client.phoneNumber.verify({ phoneNumber: phone, code: "not-it" }));
await step("verifyUpdate", () =>
  alice.client.phoneNumber.verify({ phoneNumber: phone, code: lastCode(phone), updatePhoneNumber: true }));
await step("sessionAfterVerify", () => alice.client.getSession());

const laptop = browser();
await step("signInPhone", () => laptop.client.signIn.phoneNumber({ phoneNumber: phone, password }));
await step("sessionAfterSignIn", () => laptop.client.getSession());
await step("wrongPassword", () => browser().client.signIn.phoneNumber({ phoneNumber: phone, password: "nope-nope-1" }));

await step("requestReset", () => browser().client.phoneNumber.requestPasswordReset({ phoneNumber: phone }));
await step("resetPassword", () =>
  browser().client.phoneNumber.resetPassword({ phoneNumber: phone, otp: lastCode(phone, "reset"), newPassword: "a-new-password-1" }));
await step("signInNewPassword", () =>
  browser().client.signIn.phoneNumber({ phoneNumber: phone, password: "a-new-password-1" }));

const stranger = browser();
await step("sendOtpNew", () => stranger.client.phoneNumber.sendOtp({ phoneNumber: args["new-phone"] }));
await step("verifySignUp", () =>
  stranger.client.phoneNumber.verify({ phoneNumber: args["new-phone"], code: lastCode(args["new-phone"]) }));
await step("sessionAfterSignUp", () => stranger.client.getSession());

console.log(JSON.stringify(report));
