// Pinned Better Auth 1.7.24 reference server for tessera's differential tests and benchmarks.
//
//   node server.mjs --port 3123 --database-url postgres://postgres@127.0.0.1:5432/tessera_ref_x \
//        [--plugins bearer,jwt] [--cookie-cache] [--redis-url redis://127.0.0.1:6379/0 --redis-prefix p:]
//        [--no-migrate] [--pool-max 10] [--app-name tessera-ref-3123]
//
// Every option can also come from the environment (PORT, DATABASE_URL, PLUGINS, COOKIE_CACHE=1,
// REDIS_URL, REDIS_PREFIX, PG_POOL_MAX, BETTER_AUTH_SECRET). With --redis-url, `secondaryStorage` is Redis
// through ioredis (keys under --redis-prefix, default `better-auth:`), so sessions live in Redis only, as
// Better Auth does by default; the connection is named after --app-name (CLIENT SETNAME), like the pg pool's
// application_name, so server-side counters can attribute commands to this server. The schema is created
// with Better Auth's own migrator (better-auth/db/migration) before listening, unless --no-migrate. When ready it prints one line
// `READY {"port":…,"version":"1.7.24",…}` on stdout; GET /healthz answers {"ok":true}.
//
// The default target is core only (no plugins), matching tessera's core. Rate limiting is off
// (tessera's differential config turns it off too) so repeated calls never answer 429.
import http from "node:http";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";
import pg from "pg";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT || "3000" },
    host: { type: "string", default: process.env.HOST || "127.0.0.1" },
    "database-url": { type: "string", default: process.env.DATABASE_URL || "" },
    plugins: { type: "string", default: process.env.PLUGINS || "" },
    "cookie-cache": { type: "boolean", default: process.env.COOKIE_CACHE === "1" },
    "no-migrate": { type: "boolean", default: false },
    "pool-max": { type: "string", default: process.env.PG_POOL_MAX || "10" },
    "redis-url": { type: "string", default: process.env.REDIS_URL || "" },
    "redis-prefix": { type: "string", default: process.env.REDIS_PREFIX || "better-auth:" },
    "app-name": { type: "string", default: process.env.APP_NAME || "" },
  },
});

const PORT = Number(args.port);
const BASE_URL = `http://127.0.0.1:${PORT}`;
// Fixed, public, NOT a real secret: the same value is given to tessera so signatures compare.
const SECRET =
  process.env.BETTER_AUTH_SECRET || "tessera-conformance-secret-0123456789abcdef0123456789";
const VERSION = JSON.parse(
  readFileSync(new URL("./node_modules/better-auth/package.json", import.meta.url)),
).version;

if (!args["database-url"]) {
  console.error("--database-url (or DATABASE_URL) is required");
  process.exit(2);
}

const pool = new pg.Pool({
  connectionString: args["database-url"],
  max: Number(args["pool-max"]),
  application_name: args["app-name"] || `tessera-ref-${PORT}`,
});

// Better Auth's SecondaryStorage contract on ioredis: get, set (ttl in seconds), delete.
let redis = null;
async function redisStorage(url, prefix) {
  const { default: Redis } = await import("ioredis");
  redis = new Redis(url, {
    keyPrefix: prefix,
    connectionName: args["app-name"] || `tessera-ref-${PORT}`,
    maxRetriesPerRequest: 2,
  });
  return {
    get: (key) => redis.get(key),
    set: async (key, value, ttl) => {
      if (ttl && ttl > 0) await redis.set(key, value, "EX", Math.ceil(ttl));
      else await redis.set(key, value);
    },
    delete: async (key) => {
      await redis.del(key);
    },
  };
}

async function loadPlugins(names) {
  const table = {
    bearer: async () => (await import("better-auth/plugins/bearer")).bearer(),
    jwt: async () => (await import("better-auth/plugins/jwt")).jwt(),
    organization: async () => (await import("better-auth/plugins/organization")).organization(),
    organizationTeams: async () =>
      (await import("better-auth/plugins/organization")).organization({ teams: { enabled: true } }),
    // dynamic access control: an `ac` with one extra resource, an owner who holds it, at most 3 stored roles
    organizationDac: async () => {
      const { organization } = await import("better-auth/plugins/organization");
      const { createAccessControl } = await import("better-auth/plugins/access");
      const { defaultStatements, ownerAc, adminAc, memberAc } = await import("better-auth/plugins/organization/access");
      const project = ["create", "read", "delete"];
      const ac = createAccessControl({ ...defaultStatements, project });
      const owner = ac.newRole({ ...ownerAc.statements, project });
      return organization({
        ac,
        roles: { owner, admin: adminAc, member: memberAc },
        dynamicAccessControl: { enabled: true, maximumRolesPerOrganization: 3 },
      });
    },
    // organizationHooks and invitationLimit (tests/conformance/test_differential_organization_hooks.py)
    organizationHooks: async () => {
      const { organization } = await import("better-auth/plugins/organization");
      const { APIError } = await import("better-auth/api");
      const refuse = () => {
        throw new APIError("FORBIDDEN", { message: "Refused by a hook", code: "REFUSED_BY_HOOK" });
      };
      return organization({
        invitationLimit: 2,
        organizationHooks: {
          beforeCreateOrganization: async ({ organization: org }) => {
            if (org.name === "Refused") refuse();
            return { data: { name: org.name.toUpperCase() } };
          },
          beforeUpdateMemberRole: async ({ newRole }) => (newRole === "admin" ? { data: { role: "member" } } : undefined),
          beforeCreateInvitation: async ({ invitation }) => {
            if (invitation.email.startsWith("blocked")) refuse();
          },
          beforeCancelInvitation: async ({ invitation }) => {
            if (invitation.role === "admin") refuse();
          },
          beforeDeleteOrganization: async ({ organization: org }) => {
            if (org.slug.startsWith("keep")) refuse();
          },
          afterUpdateOrganization: async ({ organization: org }) => {
            if (org && org.name === "After fails") refuse();
          },
        },
      });
    },
    twoFactor: async () => (await import("better-auth/plugins/two-factor")).twoFactor(),
    admin: async () => (await import("better-auth/plugins/admin")).admin(),
    anonymous: async () => (await import("better-auth/plugins/anonymous")).anonymous(),
    username: async () => (await import("better-auth/plugins/username")).username(),
    // the link is printed (`MAGIC_LINK {"email":…,"url":…,"token":…}`) for the tests to read from the log
    magicLink: async () =>
      (await import("better-auth/plugins/magic-link")).magicLink({
        sendMagicLink: async ({ email, url, token }) => {
          console.log(`MAGIC_LINK ${JSON.stringify({ email, url, token })}`);
        },
      }),
    // codes are appended as JSON lines to $OTP_OUTBOX, where the differential tests read them
    emailOTP: async () =>
      (await import("better-auth/plugins/email-otp")).emailOTP({
        sendVerificationOTP: async (data) => {
          if (process.env.OTP_OUTBOX) {
            const { appendFileSync } = await import("node:fs");
            appendFileSync(process.env.OTP_OUTBOX, JSON.stringify({ email: data.email, otp: data.otp, type: data.type }) + "\n");
          }
        },
      }),
    multiSession: async () => (await import("better-auth/plugins/multi-session")).multiSession(),
    // RFC 8628; a 2 s polling interval keeps the slow_down cases quick
    deviceAuthorization: async () =>
      (await import("better-auth/plugins/device-authorization")).deviceAuthorization({ interval: "2s" }),
    // -- small plugins (one-time-token, last-login-method, custom-session) --
    oneTimeToken: async () => (await import("better-auth/plugins/one-time-token")).oneTimeToken(),
    lastLoginMethod: async () => (await import("better-auth/plugins")).lastLoginMethod(),
    lastLoginMethodDb: async () => (await import("better-auth/plugins")).lastLoginMethod({ storeInDatabase: true }),
    // the user's name upper-cased, a constant role list, the session as is; list-device-sessions mapped too
    customSession: async () =>
      (await import("better-auth/plugins/custom-session")).customSession(
        async ({ user, session }) => ({ user: { ...user, name: user.name.toUpperCase() }, session, roles: ["member"] }),
        undefined,
        { shouldMutateListDeviceSessionsEndpoint: true },
      ),
    // -- end small plugins --
    // -- siwe: messages for example.com; a "signature" is `signed-by:<lowercase address>` (no ECDSA in the tests) --
    siwe: async () =>
      (await import("better-auth/plugins/siwe")).siwe({
        domain: "example.com",
        getNonce: async () => (await import("node:crypto")).randomBytes(12).toString("hex"),
        verifyMessage: async ({ signature, address }) => signature === `signed-by:${address.toLowerCase()}`,
      }),
    // -- end siwe --
    // -- captcha: siteverify goes to $CAPTCHA_SITEVERIFY_URL (the differential tests' fake); sign-in and reset guarded --
    ...Object.fromEntries(
      [
        ["captchaTurnstile", { provider: "cloudflare-turnstile" }],
        ["captchaRecaptcha", { provider: "google-recaptcha", minScore: 0.7 }],
        ["captchaHcaptcha", { provider: "hcaptcha", siteKey: "site-key-1" }],
        ["captchaFox", { provider: "captchafox", siteKey: "site-key-1" }],
      ].map(([name, extra]) => [
        name,
        async () =>
          (await import("better-auth/plugins/captcha")).captcha({
            ...extra,
            secretKey: "captcha-secret",
            siteVerifyURLOverride: process.env.CAPTCHA_SITEVERIFY_URL,
            endpoints: ["/sign-in/email", "/request-password-reset"],
          }),
      ]),
    ),
    // -- end captcha --
    // -- have-i-been-pwned: range queries go to $HIBP_API_URL (the differential tests' fake) instead of the real API --
    haveIBeenPwned: async () => {
      const real = "https://api.pwnedpasswords.com/range/";
      const fake = process.env.HIBP_API_URL;
      if (fake) {
        const fetch = globalThis.fetch;
        globalThis.fetch = (input, init) => {
          const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
          return fetch(url.startsWith(real) ? fake + url.slice(real.length) : input, init);
        };
      }
      return (await import("better-auth/plugins")).haveIBeenPwned();
    },
    // -- end have-i-been-pwned --
    // -- one-tap, oauth-proxy --
    oneTap: async () => {
      // Google's key endpoint answered from $ONE_TAP_JWKS (the test's signing key), everything else untouched
      const certs = "https://www.googleapis.com/oauth2/v3/certs";
      const jwks = process.env.ONE_TAP_JWKS;
      if (!jwks) throw new Error("oneTap needs ONE_TAP_JWKS (the fake Google JWKS)");
      const realFetch = globalThis.fetch;
      globalThis.fetch = async (input, init) => {
        const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        if (url === certs) return new Response(jwks, { status: 200, headers: { "content-type": "application/json" } });
        return realFetch(input, init);
      };
      return (await import("better-auth/plugins/one-tap")).oneTap({ clientId: "one-tap-conformance" });
    },
    oAuthProxy: async () =>
      (await import("better-auth/plugins/oauth-proxy")).oAuthProxy({ productionURL: "http://prod.example" }),
    // -- end one-tap, oauth-proxy --
    // -- open-api: Better Auth's openAPI() (GET /open-api/generate-schema, GET /reference) --
    openAPI: async () => (await import("better-auth/plugins/open-api")).openAPI(),
    openAPINoReference: async () =>
      (await import("better-auth/plugins/open-api")).openAPI({ disableDefaultReference: true }),
    // -- end open-api --
    // phone-number: codes are appended as JSON lines ({phoneNumber, code, type: "otp" | "reset"}) to $OTP_OUTBOX
    phoneNumber: async () => {
      const outbox = async (type, data) => {
        if (process.env.OTP_OUTBOX) {
          const { appendFileSync } = await import("node:fs");
          appendFileSync(process.env.OTP_OUTBOX, JSON.stringify({ phoneNumber: data.phoneNumber, code: data.code, type }) + "\n");
        }
      };
      return (await import("better-auth/plugins/phone-number")).phoneNumber({
        sendOTP: (data) => outbox("otp", data),
        sendPasswordResetOTP: (data) => outbox("reset", data),
        signUpOnVerification: { getTempEmail: (phone) => `${phone.replace(/\D/g, "")}@phone.test` },
      });
    },
    // generic OAuth: providers on 127.0.0.1:9 (nothing listens: a token exchange fails), one without an
    // authorization URL; the same list as tessera_app.py's GENERIC_OAUTH_CONFIG
    genericOAuth: async () => {
      const { genericOAuth } = await import("better-auth/plugins/generic-oauth");
      const idp = "http://127.0.0.1:9";
      return genericOAuth({
        config: [
          { providerId: "static", authorizationUrl: `${idp}/authorize`, tokenUrl: `${idp}/token`,
            userInfoUrl: `${idp}/userinfo`, clientId: "conformance-client", clientSecret: "conformance-secret",
            scopes: ["profile", "email"], prompt: "consent", accessType: "offline",
            authorizationUrlParams: { audience: "api://conformance" } },
          { providerId: "nopkce", authorizationUrl: `${idp}/authorize`, tokenUrl: `${idp}/token`,
            clientId: "conformance-client", pkce: false, responseMode: "form_post" },
          { providerId: "half", tokenUrl: `${idp}/token`, clientId: "conformance-client" },
          { providerId: "idpinit", authorizationUrl: `${idp}/authorize`, tokenUrl: `${idp}/token`,
            clientId: "conformance-client", allowIdpInitiated: true },
          // with $GENERIC_OAUTH_ISSUER (a running OpenID provider): full flows, by discovery
          ...(process.env.GENERIC_OAUTH_ISSUER
            ? [{ providerId: "mock", discoveryUrl: `${process.env.GENERIC_OAUTH_ISSUER}/.well-known/openid-configuration`,
                 clientId: "tessera-app", clientSecret: "s3cret", scopes: ["email", "profile"],
                 postLogoutRedirectURI: "/bye" },
               // the same provider by its endpoints (plain OAuth 2.0); without openid, only userinfo (no "id")
               ...[["mockplain", ["openid", "email", "profile"]], ["mockuserinfo", ["email", "profile"]]].map(
                 ([providerId, scopes]) => ({
                   providerId, scopes, clientId: "tessera-app", clientSecret: "s3cret",
                   authorizationUrl: `${process.env.GENERIC_OAUTH_ISSUER}/oauth2/authorize`,
                   tokenUrl: `${process.env.GENERIC_OAUTH_ISSUER}/oauth2/token`,
                   userInfoUrl: `${process.env.GENERIC_OAUTH_ISSUER}/userinfo`,
                 })),
              ]
            : []),
        ],
      });
    },
  };
  const plugins = [];
  for (const name of names) {
    if (!table[name]) throw new Error(`unknown plugin ${name}; known: ${Object.keys(table).join(", ")}`);
    plugins.push(await table[name]());
  }
  return plugins;
}

const pluginNames = args.plugins.split(",").map((s) => s.trim()).filter(Boolean);
const options = {
  appName: "tessera-ref",
  baseURL: BASE_URL,
  basePath: "/api/auth",
  secret: SECRET,
  database: pool,
  trustedOrigins: [BASE_URL],
  telemetry: { enabled: false },
  emailAndPassword: { enabled: true, requireEmailVerification: false },
  session: args["cookie-cache"] ? { cookieCache: { enabled: true, maxAge: 300, strategy: "compact" } } : {},
  rateLimit: { enabled: false },
  plugins: await loadPlugins(pluginNames),
};

if (!args["no-migrate"]) {
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
}
if (args["redis-url"]) options.secondaryStorage = await redisStorage(args["redis-url"], args["redis-prefix"]);

const auth = betterAuth(options);
const handler = toNodeHandler(auth);
const HEALTH = JSON.stringify({ ok: true });

const server = http.createServer((req, res) => {
  if (req.url.startsWith("/api/auth/") || req.url === "/api/auth") {
    handler(req, res).catch((err) => {
      console.error("handler error", err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: "internal error" }));
    });
    return;
  }
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(HEALTH) });
    res.end(HEALTH);
    return;
  }
  res.writeHead(404, { "content-type": "application/json" });
  res.end(JSON.stringify({ message: "not found" }));
});
server.keepAliveTimeout = 65_000;

server.listen(PORT, args.host, () => {
  const info = {
    port: PORT,
    baseURL: BASE_URL,
    version: VERSION,
    plugins: pluginNames,
    cookieCache: args["cookie-cache"],
    secondaryStorage: args["redis-url"] ? "redis" : null,
    node: process.version,
    nodeEnv: process.env.NODE_ENV ?? "",
  };
  console.log(`READY ${JSON.stringify(info)}`);
});

const shutdown = () => {
  server.close(() => {
    redis?.disconnect();
    pool.end().finally(() => process.exit(0));
  });
  server.closeAllConnections?.();
  setTimeout(() => process.exit(0), 2000).unref();
};
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
