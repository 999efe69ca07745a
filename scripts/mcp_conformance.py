"""Run the official MCP conformance suite against a fresh embedded server; see
scripts/mcp-conformance."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "scripts" / "mcp-conformance.expected-failures.yml"
DEFAULT_VERSIONS = ("0.1.8", "0.1.13")
SCENARIO_DIR = re.compile(r"server-(.+)-\d{4}-\d\d-\d\dT")
ENTRY = re.compile(r"^\s*-\s*([a-z0-9-]+)\s*(?:#\s*(.*))?$")


def expected_failures(path: Path) -> dict[str, str]:
    """Scenario -> reason, from the `server:` list; every entry needs its `# reason`."""
    entries: dict[str, str] = {}
    for line in path.read_text().splitlines():
        found = ENTRY.match(line)
        if found:
            if not found.group(2):
                raise SystemExit(f"{path}: {found.group(1)} has no '# reason'")
            entries[found.group(1)] = found.group(2).strip()
    return entries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCP_")}
    env |= {
        "MCP_DATA_DIR": str(data_dir),
        "MCP_AUTH": "disabled",
        "MCP_WORKER_ENABLED": "false",
        "MCP_LOG_LEVEL": "WARNING",
    }
    exe = Path(sys.executable).parent / "mcp-service"
    cmd = [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (data_dir / "server.log").open("wb")
    return subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_ready(base: str, server: subprocess.Popen[bytes], timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/livez", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise SystemExit("the server did not become ready")


def seed(base: str) -> None:
    """One real conversation, so that resources/list has something of ours to validate."""
    turns = [
        {"role": "user", "content": "Our launch is on Friday."},
        {"role": "assistant", "content": "Noted: the launch is on Friday."},
    ]
    r = httpx.post(f"{base}/v1/sessions/conformance-demo/turns", json={"turns": turns})
    r.raise_for_status()


def run_suite(version: str, url: str, workdir: Path) -> tuple[dict[str, str], str]:
    """Scenario -> "pass", "warning" or "fail", read from each scenario's checks.json
    (like the suite's own baseline check, a warning is not a pass)."""
    npx = ["npx", "-y", f"@modelcontextprotocol/conformance@{version}", "server"]
    helped = subprocess.run([*npx, "--help"], capture_output=True, text=True, timeout=300)
    out = workdir / f"results-{version}"
    # Older releases always write ./results; newer ones only with --output-dir.
    extra = ["--output-dir", str(out)] if "--output-dir" in helped.stdout else []
    run_in = workdir / f"cwd-{version}"
    run_in.mkdir()
    cmd = [*npx, "--url", url, *extra]
    done = subprocess.run(cmd, cwd=run_in, capture_output=True, text=True, timeout=900)
    statuses: dict[str, str] = {}
    for checks in [*out.glob("*/checks.json"), *run_in.glob("results/*/checks.json")]:
        found = SCENARIO_DIR.match(checks.parent.name)
        if found:
            kinds = {c["status"] for c in json.loads(checks.read_text())}
            status = "fail" if "FAILURE" in kinds else "warning" if "WARNING" in kinds else "pass"
            statuses[found.group(1)] = status
    return statuses, done.stdout + done.stderr


def report(version: str, results: dict[str, str], expected: dict[str, str]) -> bool:
    failed = {name for name, status in results.items() if status != "pass"}
    unexpected = sorted(failed - set(expected))
    stale = sorted(name for name in expected if results.get(name) == "pass")
    print(
        f"conformance {version}: {len(results) - len(failed)} of {len(results)} scenarios "
        f"pass, {len(failed & set(expected))} expected failures or warnings"
    )
    for name in sorted(results):
        status = results[name]
        label = status if status == "pass" or name not in expected else f"{status} (expected)"
        print(f"  {label:18} {name}" + (f"  # {expected[name]}" if name in expected else ""))
    for name in unexpected:
        print(f"  UNEXPECTED {results[name]}: {name}")
    for name in stale:
        print(f"  passes but is listed as expected to fail (remove it): {name}")
    return not unexpected and not stale


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("versions", nargs="*", default=list(DEFAULT_VERSIONS))
    parser.add_argument("--expected", type=Path, default=EXPECTED)
    args = parser.parse_args(argv)
    if shutil.which("npx") is None:
        print("mcp-conformance: npx (Node.js) is needed", file=sys.stderr)
        return 2
    expected = expected_failures(args.expected)
    ok = True
    with tempfile.TemporaryDirectory(prefix="mcp-conformance-") as tmp:
        data, port = Path(tmp), free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_server(data, port)
        try:
            wait_ready(base, server)
            seed(base)
            for version in args.versions:
                results, output = run_suite(version, f"{base}/mcp", data)
                if not results:
                    print(f"conformance {version}: did not run\n{output[-2000:]}")
                    ok = False
                    continue
                ok = report(version, results, expected) and ok
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
