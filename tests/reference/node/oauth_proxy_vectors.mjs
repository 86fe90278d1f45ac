// Interop vectors for the oauth-proxy plugin's sealed hand-overs, made by the pinned Better Auth 1.7.24.
//
//   node oauth_proxy_vectors.mjs make             # prints the vectors pasted into tests/plugins/oauth_proxy/test_vectors.py
//   node oauth_proxy_vectors.mjs check '<json>'   # opens {purpose: sealed} values tessera produced; prints the plaintexts
//
// Run once by hand; the test suite does not need node. The secret is a fixed, public test value. Everything goes
// through Better Auth's own code: `derivePurposeKey` (the purposes oAuthProxy() uses) and `symmetricEncrypt`.
import { symmetricDecrypt, symmetricEncrypt } from "better-auth/crypto";
import { derivePurposeKey } from "./node_modules/better-auth/dist/crypto/purpose.mjs";

export const SECRET = "tessera-oauth-proxy-vector-secret-0123456789";
const PURPOSES = ["oauth-proxy-package", "oauth-proxy-state", "oauth-proxy-profile"];

async function make() {
  const payload = {
    userInfo: { id: "sub-1", email: "proxy@example.com", name: "Proxy", emailVerified: true },
    profile: { sub: "sub-1", email: "proxy@example.com" },
    scopes: ["openid", "email"],
    account: { accountId: "sub-1", providerId: "idp", accessToken: "at-1", scope: "openid,email",
               accessTokenExpiresAt: new Date(Date.UTC(2026, 5, 1, 12, 0, 0)) },
    state: "s".repeat(32),
    callbackURL: "/dashboard",
    timestamp: Date.UTC(2026, 5, 1, 12, 0, 0),
  };
  const out = {};
  for (const purpose of PURPOSES) {
    out[purpose] = await symmetricEncrypt({ key: derivePurposeKey(SECRET, purpose), data: JSON.stringify(payload) });
  }
  console.log(JSON.stringify({ plaintext: JSON.stringify(payload), sealed: out }, null, 2));
}

async function check(json) {
  const sealed = JSON.parse(json);
  for (const [purpose, value] of Object.entries(sealed)) {
    console.log(purpose, await symmetricDecrypt({ key: derivePurposeKey(SECRET, purpose), data: value }));
  }
}

if (process.argv[2] === "make") await make();
else if (process.argv[2] === "check") await check(process.argv[3]);
else console.error("usage: node oauth_proxy_vectors.mjs make | check '<json>'");
