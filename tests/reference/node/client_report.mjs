// The JSON report the official-client scripts print: each step's {data, error} (or what it threw).
import { createAuthClient } from "better-auth/client";

// Dates revived by the client's JSON parser become {"$date": iso}, so the test can see the revival.
export function plain(value) {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

// `const step = stepper(report)`; `await step(name, fn)` runs fn and records its outcome under `name`.
export function stepper(report) {
  return async function step(name, fn) {
    let result;
    try {
      result = await fn();
    } catch (err) {
      result = { thrown: String(err && err.stack ? err.stack : err) };
    }
    const out = {};
    if (result && "data" in result) out.data = plain(result.data);
    if (result && "error" in result) out.error = result.error ? plain(result.error) : null;
    if (result && "thrown" in result) out.thrown = result.thrown;
    if (result && "extra" in result) out.extra = plain(result.extra);
    report.steps[name] = out;
    report.order?.push(name);
    return result;
  };
}

// A simulated browser: the official client with `plugins`, a cookie jar, and the `Origin` a browser sends.
export class Browser {
  constructor(baseURL, plugins = []) {
    this.baseURL = baseURL;
    this.jar = new Map();
    this.client = createAuthClient({
      baseURL,
      plugins,
      fetchOptions: { customFetchImpl: (input, init) => this.fetch(input, init) },
    });
  }

  async fetch(input, init = {}) {
    const headers = new Headers(init.headers || (input instanceof Request ? input.headers : undefined));
    if (this.jar.size) headers.set("cookie", [...this.jar].map(([k, v]) => `${k}=${v}`).join("; "));
    headers.set("origin", this.baseURL);
    const res = await fetch(input instanceof Request ? input.url : input, { ...init, headers });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";").map((s) => s.trim());
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (attrs.some((a) => /^max-age=0$/i.test(a)) || value === "") this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }

  cookies() {
    return [...this.jar.keys()].sort();
  }
}
