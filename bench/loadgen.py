"""Load generation: wrk (preferred) or a small built-in asyncio HTTP/1.1 generator, always bounded in time.

A ``Load`` may carry a list of cookies (``cookies``): each request then sends the next one, once, and the run
stops when they are used up (sign-out needs a fresh session per request). With wrk this is a Lua script reading
a file of cookies; ``Measured.exhausted`` says the list ran out before the duration ended.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .processes import pinned

WRK_DONE = """
done = function(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"non2xx":%d,'
    .. '"socket_errors":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
"""

# one cookie per request from a file; the thread stops when the file is used up
WRK_COOKIES = """
local cookies, i = {}, 0
for line in io.lines(%s) do cookies[#cookies + 1] = line end
request = function()
  i = i + 1
  if i > #cookies then
    wrk.thread:stop()
    i = #cookies
  end
  wrk.headers["Cookie"] = cookies[i]
  return wrk.format()
end
"""


@dataclass
class Load:
    method: str = "GET"
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    connections: int = 32
    cookies: list[str] | None = None  # one per request, used once (e.g. sign-out)


@dataclass
class Measured:
    requests: int
    seconds: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    non2xx: int
    socket_errors: int
    exhausted: bool = False

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for our ASCII bodies


def wrk_script(load: Load, cookie_file: str | None = None) -> str:
    script = [f"wrk.method = {lua_string(load.method)}"]
    if load.body:
        script.append(f"wrk.body = {lua_string(load.body)}")
    for k, v in load.headers.items():
        script.append(f"wrk.headers[{lua_string(k)}] = {lua_string(v)}")
    if cookie_file is not None:
        script.append(WRK_COOKIES % lua_string(cookie_file))
    script.append(WRK_DONE)
    return "\n".join(script)


def parse_wrk(stdout: str) -> Measured:
    line = next(x for x in stdout.splitlines() if x.startswith("RESULT "))
    r = json.loads(line[7:])
    return Measured(
        r["requests"],
        r["duration_us"] / 1e6,
        r["p50_us"] / 1e3,
        r["p90_us"] / 1e3,
        r["p99_us"] / 1e3,
        r["non2xx"],
        r["socket_errors"],
    )


def run_wrk(base: str, load: Load, seconds: float, cpu: str | None) -> Measured:
    with tempfile.TemporaryDirectory(prefix="tessera-bench-wrk-") as tmp:
        cookie_file = None
        if load.cookies is not None:
            cookie_file = str(Path(tmp) / "cookies.txt")
            Path(cookie_file).write_text("\n".join(load.cookies) + "\n")
        lua = Path(tmp) / "load.lua"
        lua.write_text(wrk_script(load, cookie_file))
        cmd = ["wrk", "-t1", f"-c{load.connections}", f"-d{max(1, round(seconds))}s", "--timeout", "30s",
               "-s", str(lua), base + load.path]  # fmt: skip
        out = subprocess.run(pinned(cpu, cmd), capture_output=True, text=True, check=True, timeout=seconds + 60)
    m = parse_wrk(out.stdout)
    if load.cookies is not None and m.requests >= len(load.cookies):
        m.exhausted = True
    return m


async def _asyncio_load(base: str, load: Load, seconds: float) -> Measured:
    """A small keep-alive HTTP/1.1 load generator (used when wrk is not installed)."""
    from urllib.parse import urlsplit

    u = urlsplit(base)
    assert u.hostname is not None and u.port is not None
    body = load.body.encode()
    cookies = iter(load.cookies) if load.cookies is not None else None

    def request() -> bytes | None:
        head = [f"{load.method} {load.path} HTTP/1.1", f"Host: {u.netloc}"]
        head += [f"{k}: {v}" for k, v in load.headers.items()]
        if cookies is not None:
            cookie = next(cookies, None)
            if cookie is None:
                return None
            head.append(f"Cookie: {cookie}")
        if body or load.method == "POST":
            head.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(head) + "\r\n\r\n").encode() + body

    latencies: list[float] = []
    bad = errors = 0
    exhausted = False
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal bad, errors, exhausted
        reader, writer = await asyncio.open_connection(u.hostname, u.port)
        try:
            while time.perf_counter() < deadline:
                data = request()
                if data is None:
                    exhausted = True
                    return
                t0 = time.perf_counter()
                writer.write(data)
                status = int((await reader.readline()).split()[1])
                length, chunked = 0, False
                while (line := await reader.readline()) not in (b"\r\n", b""):
                    name, _, value = line.decode("latin-1").partition(":")
                    if name.lower() == "content-length":
                        length = int(value)
                    elif name.lower() == "transfer-encoding" and "chunked" in value.lower():
                        chunked = True
                if chunked:
                    while True:
                        size = int((await reader.readline()).split(b";")[0], 16)
                        await reader.readexactly(size + 2)
                        if size == 0:
                            break
                elif length:
                    await reader.readexactly(length)
                latencies.append(time.perf_counter() - t0)
                if not 200 <= status < 400:
                    bad += 1
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            errors += 1
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(load.connections))), seconds + 60)
    elapsed = time.perf_counter() - start
    q = statistics.quantiles(sorted(latencies), n=100) if len(latencies) > 1 else [0.0] * 99
    return Measured(len(latencies), elapsed, q[49] * 1e3, q[89] * 1e3, q[98] * 1e3, bad, errors, exhausted)


def run_load(base: str, load: Load, seconds: float, cpu: str | None, use_wrk: bool) -> Measured:
    if use_wrk:
        return run_wrk(base, load, seconds, cpu)
    if cpu is not None:
        before = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {int(c) for c in cpu.split(",")})
        try:
            return asyncio.run(_asyncio_load(base, load, seconds))
        finally:
            os.sched_setaffinity(0, before)
    return asyncio.run(_asyncio_load(base, load, seconds))
