// Interop vectors for the two-factor plugin, made by the pinned Better Auth 1.7.24.
//
//   node two_factor_vectors.mjs make              # prints the vectors pasted into tests/plugins/two_factor/test_interop.py
//   node two_factor_vectors.mjs check '<json>'    # Better Auth reads rows tessera wrote; prints what it found
//
// Run once by hand; the test suite does not need node. Everything goes through Better Auth's own code: a user
// enables 2FA through `auth.api.enableTwoFactor` (the TOTP secret and backup codes are encrypted by the plugin
// with the `secrets` keyring) and the stored row is printed next to what the user was shown.
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { symmetricDecrypt } from "better-auth/crypto";
import { twoFactor } from "better-auth/plugins/two-factor";
import { createOTP } from "@better-auth/utils/otp";
import { createHMAC } from "@better-auth/utils/hmac";
import { getBackupCodes } from "./node_modules/better-auth/dist/plugins/two-factor/backup-codes/index.mjs";

export const SECRET = "tessera-two-factor-secret-0123456789abcdef";
export const VERSIONED = "tessera-two-factor-v2-secret-fedcba9876543210";

function make(options) {
  const db = { user: [], session: [], account: [], verification: [], twoFactor: [] };
  const auth = betterAuth({
    baseURL: "http://127.0.0.1:3000",
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true },
    plugins: [twoFactor({ issuer: "Tessera Interop" })],
    logger: { disabled: true },
    ...options,
  });
  return { auth, db };
}

async function enable(options) {
  const { auth, db } = make(options);
  const res = await auth.api.signUpEmail({
    body: { email: "vector@example.com", password: "correct-horse-battery", name: "V" },
    asResponse: true,
  });
  const cookie = res.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  const shown = await auth.api.enableTwoFactor({ body: { password: "correct-horse-battery" }, headers: { cookie } });
  const row = db.twoFactor[0];
  const ctx = await auth.$context;
  const secret = await symmetricDecrypt({ key: ctx.secretConfig, data: row.secret });
  return {
    totpURI: shown.totpURI,
    backupCodes: shown.backupCodes,
    stored: { secret: row.secret, backupCodes: row.backupCodes },
    plainSecret: secret,
    hotp0: await createOTP(secret).hotp(0),
    hotp1234567: await createOTP(secret).hotp(1234567),
    trustToken: await createHMAC("SHA-256", "base64urlnopad").sign(ctx.secret, "user-1!trust-device-abc"),
  };
}

if (process.argv[2] === "make") {
  const single = await enable({ secret: SECRET });
  const versioned = await enable({ secrets: [{ version: 2, value: VERSIONED }] });
  console.log(JSON.stringify({ single, versioned }, null, 2));
} else if (process.argv[2] === "check") {
  const input = JSON.parse(process.argv[3]);
  const out = {};
  for (const [name, options] of [["single", { secret: SECRET }], ["versioned", { secrets: [{ version: 2, value: VERSIONED }] }]]) {
    const { auth } = make(options);
    const ctx = await auth.$context;
    const row = input[name];
    const secret = await symmetricDecrypt({ key: ctx.secretConfig, data: row.secret });
    out[name] = {
      secret,
      backupCodes: await getBackupCodes(row.backupCodes, ctx.secretConfig, { storeBackupCodes: "encrypted" }),
      hotp0: await createOTP(secret).hotp(0),
    };
  }
  console.log(JSON.stringify(out, null, 2));
}
