"""Lighthouse on the pages a neighbour opens most: its four category scores, per page.

The demo data (``marketplace demo``) is served by ``marketplace run`` on a free port, as in
bench/serving.py; Lighthouse (the npm package pinned in bench/lighthouse/package-lock.json,
installed with ``npm ci`` into var/lighthouse/, never committed) drives Debian's Chromium
(CHROME_PATH, else ``chromium`` on PATH) with its default mobile settings: a phone's screen and
a simulated slow 4G and CPU. The posting form needs an account: that run carries the session
cookie of the demo's neighbour.

The lock pins @paulirish/trace_engine's two dependencies written ``latest`` (package.json's
``overrides``): ``npm ci`` would otherwise ask the registry what ``latest`` means today, and
refuse the lock the day a new version is published.

    .venv/bin/python bench/lighthouse.py              # prints the scores, writes bench/README.md
    .venv/bin/python bench/lighthouse.py --no-readme  # prints them only
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

import httpx  # noqa: E402

from bench.figures import machine  # noqa: E402
from bench.serving import app_environment, free_port, marketplace_command, serving  # noqa: E402

PINNED = PROJECT_ROOT / "bench" / "lighthouse"
INSTALL = PROJECT_ROOT / "var" / "lighthouse"
README = PROJECT_ROOT / "bench" / "README.md"
MARKERS = ("<!-- lighthouse -->", "<!-- /lighthouse -->")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GROUP = "vide-grenier-paris-20"  # the demo's household group (marketplace/demo.py)
NEIGHBOUR = ("nadia@demo.local", "demo-voisin-2026")
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run"


def installed_lighthouse() -> Path:
    """The CLI of the pinned Lighthouse, installed again whenever the lock changed."""
    INSTALL.mkdir(parents=True, exist_ok=True)
    lock = (PINNED / "package-lock.json").read_bytes()
    cli = INSTALL / "node_modules" / "lighthouse" / "cli" / "index.js"
    stamp = INSTALL / "node_modules" / ".installed-lock.json"
    if not cli.exists() or not stamp.exists() or stamp.read_bytes() != lock:
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(PINNED / name, INSTALL / name)
        # npm ci: exactly the lock's versions, each checked against its integrity hash.
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=INSTALL, check=True)
        stamp.write_bytes(lock)
    return cli


def chrome_path() -> str:
    found = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not found:
        raise SystemExit("Debian's chromium is needed (apt-get install chromium), or set CHROME_PATH")
    return found


def session_cookie(base_url: str) -> str:
    """The Cookie header of the demo's neighbour, logged in through the login form."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        http.get("/login")
        email, password = NEIGHBOUR
        answer = http.post(
            "/login",
            data={"email": email, "password": password, "_csrf_token": http.cookies["csrftoken"]},
        )
        assert answer.status_code in (200, 303), answer.text
        return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def pages(base_url: str) -> list[tuple[str, str, bool]]:
    """(name, path, signed in): the home, a group, a search, a listing with photos, the form."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        listings = http.get(f"/api/v1/communities/{GROUP}/listings").json()["items"]
    with_photos = next((item for item in listings if item.get("photos")), listings[0])
    return [
        ("home", "/", False),
        ("group", f"/communities/{GROUP}", False),
        ("search", "/recherche?q=poussette", False),
        ("listing", f"/listings/{with_photos['id']}", False),
        ("posting", f"/listings/new?community={GROUP}", True),
    ]


def run_lighthouse(cli: Path, url: str, report: Path, cookie: str | None) -> dict[str, Any]:
    command = [
        "node",
        str(cli),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        headers = report.with_suffix(".headers.json")
        headers.write_text(json.dumps({"Cookie": cookie}))
        command.append(f"--extra-headers={headers}")
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chrome_path()})
    result: dict[str, Any] = json.loads(report.read_text())
    return result


def scores(result: dict[str, Any]) -> dict[str, int]:
    return {name: round((result["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}


def costly_audits(result: dict[str, Any]) -> list[str]:
    """The audits of the four categories that cost points, with their score and value."""
    weighted = {
        ref["id"]
        for name in CATEGORIES
        for ref in result["categories"][name]["auditRefs"]
        if ref.get("weight", 0) > 0
    }
    found = []
    for audit_id in sorted(weighted):
        audit = result["audits"][audit_id]
        if audit.get("score") is not None and audit["score"] < 1:
            value = audit.get("displayValue", "")
            found.append(f"{audit_id} ({audit['score']:.2f}{', ' + value if value else ''})")
    return found


def table(rows: list[tuple[str, dict[str, int], list[str]]]) -> str:
    lines = [
        "| page | performance | accessibility | best practices | SEO | what cost points |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, score, audits in rows:
        cost = "; ".join(audits) or "—"
        lines.append(
            f"| {name} | {score['performance']} | {score['accessibility']} | "
            f"{score['best-practices']} | {score['seo']} | {cost} |"
        )
    return "\n".join(lines)


def write_readme(text: str) -> None:
    readme = README.read_text()
    start, end = MARKERS
    before, rest = readme.split(start, 1)
    _, after = rest.split(end, 1)
    README.write_text(f"{before}{start}\n{text}\n{end}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-readme", action="store_true", help="print the scores only")
    arguments = parser.parse_args()
    cli = installed_lighthouse()
    with tempfile.TemporaryDirectory(prefix="lighthouse-") as scratch:
        directory = Path(scratch)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        # The site's public address is this server's, as the canonical and Open Graph links say.
        environment = app_environment(directory, MARKETPLACE_BASE_URL=base_url)
        for step in (["db", "upgrade"], ["demo"]):
            subprocess.run([marketplace_command(), *step], env=environment, check=True, capture_output=True)
        command = [marketplace_command(), "run", "--host", "127.0.0.1", "--port", str(port)]
        rows = []
        with serving(command, port, environment, directory / "server.log"):
            cookie = session_cookie(base_url)
            for name, path, signed_in in pages(base_url):
                result = run_lighthouse(
                    cli, base_url + path, directory / f"{name}.json", cookie if signed_in else None
                )
                rows.append((name, scores(result), costly_audits(result)))
                print(name, scores(result), "; ".join(costly_audits(result)), flush=True)
    version = json.loads((INSTALL / "node_modules" / "lighthouse" / "package.json").read_text())["version"]
    text = (
        f"{datetime.date.today().isoformat()}, Lighthouse {version}, mobile (simulated slow 4G, 4× CPU), "
        f"Chromium {chromium_version()}, the demo data; {machine()}:\n\n{table(rows)}"
    )
    print(text)
    if not arguments.no_readme:
        write_readme(text)


def chromium_version() -> str:
    answer = subprocess.run([chrome_path(), "--version"], capture_output=True, text=True, check=False)
    return answer.stdout.strip().removeprefix("Chromium ").split(" ")[0] or "unknown"


if __name__ == "__main__":
    main()
