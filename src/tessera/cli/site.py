"""The app ``tessera serve`` runs: the auth API under ``base_path`` and a small page at ``/``.

The page signs up, signs in, lists and revokes sessions and signs out through the public HTTP API, the same
way the official JS client does (JSON, cookies, ``Origin``). It renders user data with ``textContent`` only.
"""

from __future__ import annotations

from typing import Any

from ..auth import Tessera

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tessera</title>
<meta name="viewport" content="width=device-width,initial-scale=1">
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#222}
fieldset{border:1px solid #ccc;border-radius:6px;margin:0 0 1rem}input{margin:.2rem 0;padding:.3rem;width:16rem}
button{margin:.3rem .3rem .3rem 0}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;
padding:.3rem;text-align:left;font-size:13px}#status{padding:.5rem;background:#f4f4f4;border-radius:4px}
</style></head><body>
<h1>tessera</h1>
<p id="status">Loading…</p>
<div id="signed-out">
<fieldset><legend>Sign up</legend>
<input id="su-name" placeholder="Name" autocomplete="name"><br>
<input id="su-email" type="email" placeholder="Email" autocomplete="email"><br>
<input id="su-password" type="password" placeholder="Password (8+ characters)" autocomplete="new-password"><br>
<button id="sign-up">Sign up</button></fieldset>
<fieldset><legend>Sign in</legend>
<input id="si-email" type="email" placeholder="Email" autocomplete="email"><br>
<input id="si-password" type="password" placeholder="Password" autocomplete="current-password"><br>
<button id="sign-in">Sign in</button></fieldset>
</div>
<div id="signed-in" hidden>
<p>Signed in as <strong id="who"></strong></p>
<button id="sign-out">Sign out</button>
<h2>Sessions</h2>
<table><thead><tr><th>Created</th><th>Expires</th><th>User agent</th><th></th></tr></thead>
<tbody id="sessions"></tbody></table>
</div>
<script>
const API = "__BASE_PATH__";
const $ = (id) => document.getElementById(id);
async function call(path, body) {
  const init = {credentials: "include", headers: {}};
  if (body !== undefined) {
    init.method = "POST"; init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body);
  }
  const res = await fetch(API + path, init);
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((data && (data.code || data.message)) || res.status);
  return data;
}
function say(text) { $("status").textContent = text; }
async function refresh() {
  const data = await call("/get-session");
  $("signed-in").hidden = !data; $("signed-out").hidden = !!data;
  if (!data) { say("Signed out."); return; }
  $("who").textContent = data.user.name + " <" + data.user.email + ">";
  say("Session expires " + new Date(data.session.expiresAt).toLocaleString());
  const tbody = $("sessions"); tbody.replaceChildren();
  for (const s of await call("/list-sessions")) {
    const tr = document.createElement("tr");
    for (const v of [new Date(s.createdAt).toLocaleString(), new Date(s.expiresAt).toLocaleString(), s.userAgent || ""]) {
      const td = document.createElement("td"); td.textContent = v; tr.appendChild(td);
    }
    const td = document.createElement("td");
    if (s.token === data.session.token) { td.textContent = "this one"; }
    else {
      const b = document.createElement("button"); b.textContent = "Revoke";
      b.onclick = () => call("/revoke-session", {token: s.token}).then(refresh).catch((e) => say(e.message));
      td.appendChild(b);
    }
    tr.appendChild(td); tbody.appendChild(tr);
  }
}
$("sign-up").onclick = () => call("/sign-up/email", {name: $("su-name").value, email: $("su-email").value,
  password: $("su-password").value}).then(refresh).catch((e) => say("Sign-up failed: " + e.message));
$("sign-in").onclick = () => call("/sign-in/email", {email: $("si-email").value, password: $("si-password").value})
  .then(refresh).catch((e) => say("Sign-in failed: " + e.message));
$("sign-out").onclick = () => call("/sign-out", {}).then(refresh).catch((e) => say(e.message));
refresh().catch((e) => say(e.message));
</script></body></html>
"""

_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'"),
]


def site_app(auth: Tessera) -> Any:
    page = PAGE.replace("__BASE_PATH__", auth.base_path).encode()
    prefix = auth.base_path + "/"

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan" or scope.get("path", "").startswith(prefix):
            await auth(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        if scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            headers = [*_HEADERS, (b"content-length", str(len(page)).encode())]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": page if scope["method"] == "GET" else b""})
            return
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    return app
