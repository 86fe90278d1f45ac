// The JSON report the official-client scripts print: each step's {data, error} (or what it threw).

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
