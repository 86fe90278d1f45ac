// Interop vectors for secret rotation (`secrets: [{version, value}]`), made by the pinned Better Auth 1.7.24.
//
//   node secrets_vectors.mjs make                 # prints the vectors pasted into tests/crypto/test_keyring.py
//   node secrets_vectors.mjs check '<json>'       # decrypts values tessera produced; prints the plaintexts
//
// Run once by hand; the test suite does not need node (the outputs are kept as literals). The secrets are
// fixed, public test values. Everything goes through Better Auth's own code paths: the `secretConfig` that
// `betterAuth({secrets})` / BETTER_AUTH_SECRETS build, `symmetricEncrypt`/`symmetricDecrypt`, the JWT
// plugin's `createJwk` (its private key at rest), `setTokenUtil` (OAuth tokens at rest) and the purpose key
// of the link-social session token.
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { symmetricDecrypt, symmetricEncrypt } from "better-auth/crypto";
import { setTokenUtil } from "better-auth/oauth2";
import { createJwk, jwt } from "better-auth/plugins/jwt";
import { derivePurposeKey } from "./node_modules/better-auth/dist/crypto/purpose.mjs";

export const OLD = "tessera-rotation-old-secret-0123456789abcdef";
export const NEW = "tessera-rotation-new-secret-fedcba9876543210";
export const LEGACY = "tessera-rotation-legacy-secret-00112233445566";

async function context(options) {
  const db = { user: [], session: [], account: [], verification: [], jwks: [] };
  const auth = betterAuth({
    baseURL: "http://127.0.0.1:3000",
    database: memoryAdapter(db),
    account: { encryptOAuthTokens: true },
    plugins: [jwt()],
    logger: { disabled: true },
    ...options,
  });
  return { ctx: await auth.$context, db };
}

async function make() {
  // before the rotation: only version 1; after: version 2 current, 1 kept; legacy = `secret`
  const before = (await context({ secrets: [{ version: 1, value: OLD }], secret: LEGACY })).ctx;
  process.env.BETTER_AUTH_SECRETS = `2:${NEW}, 1:${OLD}`;
  const { ctx: after, db } = await context({ secret: LEGACY });
  delete process.env.BETTER_AUTH_SECRETS;
  const legacyOnly = (await context({ secret: LEGACY })).ctx;

  await createJwk({ context: after }, { jwks: {} });
  const out = {
    secretConfig: {
      keys: [...after.secretConfig.keys],
      currentVersion: after.secretConfig.currentVersion,
      legacySecret: after.secretConfig.legacySecret,
      signingSecret: after.secret,
    },
    v1Envelope: await symmetricEncrypt({ key: before.secretConfig, data: "written under version 1" }),
    v2Envelope: await symmetricEncrypt({ key: after.secretConfig, data: "written under version 2" }),
    legacyBareHex: await symmetricEncrypt({ key: legacyOnly.secretConfig, data: "written before rotation" }),
    oauthAccessToken: await setTokenUtil("ya29.provider-access-token", after),
    linkSessionToken: await symmetricEncrypt({
      key: derivePurposeKey(after.secretConfig, "oauth-link-session-token"),
      data: "sessiontoken0123456789abcdefABCD",
    }),
    jwksRow: { ...db.jwks[0], createdAt: db.jwks[0].createdAt.toISOString() },
  };
  // the same read path tessera must follow: every value decrypts under the rotated config
  for (const key of ["v1Envelope", "v2Envelope", "legacyBareHex", "oauthAccessToken"]) {
    await symmetricDecrypt({ key: after.secretConfig, data: out[key] });
  }
  console.log(JSON.stringify(out, null, 2));
}

async function check(json) {
  const values = JSON.parse(json);
  process.env.BETTER_AUTH_SECRETS = `2:${NEW},1:${OLD}`;
  const { ctx } = await context({ secret: LEGACY });
  const result = {};
  for (const [name, value] of Object.entries(values)) {
    const key = name.startsWith("link")
      ? derivePurposeKey(ctx.secretConfig, "oauth-link-session-token")
      : ctx.secretConfig;
    result[name] = await symmetricDecrypt({ key, data: value });
  }
  console.log(JSON.stringify(result, null, 2));
}

const [mode, arg] = process.argv.slice(2);
if (mode === "make") await make();
else if (mode === "check") await check(arg);
else {
  console.error("usage: node secrets_vectors.mjs make | check '<json>'");
  process.exit(2);
}
