// Local JWT verification the way Better Auth documents it: jose's jwtVerify with a cached remote JWKS
// (createRemoteJWKSet on /api/auth/jwks) or a local one (createLocalJWKSet), for bench/jwt_verify.py's rows.
// Run from the pinned reference so jose resolves through better-auth's own dependency tree:
//   cd tests/reference/node && node ../../../bench/jwt_verify_reference.mjs --token T \
//       --jwks-url http://127.0.0.1:3000/api/auth/jwks --issuer http://127.0.0.1:3000 --audience ... [--seconds 2]
// Prints one JSON line per verifier (wall and CPU µs per verification).
import { createRequire } from "node:module";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    token: { type: "string" },
    "jwks-url": { type: "string" },
    issuer: { type: "string" },
    audience: { type: "string" },
    seconds: { type: "string", default: "2" },
  },
});
const require = createRequire(createRequire(process.cwd() + "/").resolve("better-auth"));
const jose = await import(require.resolve("jose"));
const version = JSON.parse(
  (await import("node:fs")).readFileSync(require.resolve("jose").replace(/dist\/.*$/, "package.json")),
).version;

const token = args.token;
const opts = { issuer: args.issuer, audience: args.audience };
const remote = jose.createRemoteJWKSet(new URL(args["jwks-url"]));
const local = jose.createLocalJWKSet(await (await fetch(args["jwks-url"])).json());
const alg = jose.decodeProtectedHeader(token).alg;

async function rate(fn, seconds) {
  const warm = performance.now() + Math.min(300, (seconds * 1000) / 4);
  while (performance.now() < warm) await fn();
  let n = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const deadline = start + seconds * 1000;
  for (;;) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
    const now = performance.now();
    if (now >= deadline) {
      const used = process.cpuUsage(cpu); // µs of user + system CPU of this process (GC threads included)
      return [n, (now - start) / 1000, (used.user + used.system) / 1e6];
    }
  }
}

for (const [label, keys] of [
  [`jose ${version} jwtVerify, createRemoteJWKSet (cached)`, remote],
  [`jose ${version} jwtVerify, createLocalJWKSet`, local],
]) {
  await jose.jwtVerify(token, keys, opts); // the remote set fetches once here and is cached from then on
  const [n, elapsed, cpuSeconds] = await rate(() => jose.jwtVerify(token, keys, opts), Number(args.seconds));
  console.log(JSON.stringify({ verifier: label, alg, ops: n, seconds: elapsed, ops_per_s: n / elapsed,
    us_per_op: (elapsed / n) * 1e6, cpu_us_per_op: (cpuSeconds / n) * 1e6 }));
}
