// The same in-process measurements on Better Auth 1.7.24 (memory adapter, jwt plugin), for comparison with
// bench/jwt_micro.py. Run from the pinned reference so its node_modules resolve:
//   cd tests/reference/node && npm ci && node ../../../bench/jwt_micro_reference.mjs
import { createRequire } from "node:module";
const require = createRequire(process.cwd() + "/");
const { betterAuth } = await import(require.resolve("better-auth"));
const { jwt } = await import(require.resolve("better-auth/plugins/jwt"));
const { memoryAdapter } = await import(require.resolve("better-auth/adapters/memory"));
const db = { user: [], session: [], account: [], verification: [], jwks: [] };
const auth = betterAuth({ baseURL: "http://127.0.0.1:3000", secret: "b".repeat(40), database: memoryAdapter(db),
  emailAndPassword: { enabled: true }, telemetry: { enabled: false }, plugins: [jwt()] });
const plain = betterAuth({ baseURL: "http://127.0.0.1:3000", secret: "b".repeat(40), database: memoryAdapter({ user: [], session: [], account: [], verification: [] }),
  emailAndPassword: { enabled: true }, telemetry: { enabled: false } });
async function cookieOf(a) {
  const r = await a.handler(new Request("http://127.0.0.1:3000/api/auth/sign-up/email", { method: "POST", headers: { "content-type": "application/json", origin: "http://127.0.0.1:3000" }, body: JSON.stringify({ email: "a@example.com", password: "password123", name: "A" }) }));
  return r.headers.getSetCookie().map(c => c.split(";")[0]).join("; ");
}
const ck = await cookieOf(auth), pk = await cookieOf(plain);
async function bench(label, a, path, cookie, n = 2000) {
  const mk = () => new Request("http://127.0.0.1:3000/api/auth" + path, { headers: cookie ? { cookie } : {} });
  for (let i = 0; i < 200; i++) await (await a.handler(mk())).text();
  const runs = [];
  for (let r = 0; r < 5; r++) { const t = performance.now(); for (let i = 0; i < n; i++) await (await a.handler(mk())).text(); runs.push((performance.now() - t) / n * 1000); }
  runs.sort((x, y) => x - y); console.log(label.padEnd(36), runs[2].toFixed(1), "µs");
}
await bench("GET /get-session (no jwt plugin)", plain, "/get-session", pk);
await bench("GET /get-session (+ set-auth-jwt)", auth, "/get-session", ck);
await bench("GET /token", auth, "/token", ck);
await bench("GET /jwks", auth, "/jwks", null);
