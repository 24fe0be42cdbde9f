"""Render a digest of a seeded demo store and photograph it in headless Chromium.

    python scripts/digest_screenshot.py [OUT.png]     (default docs/screenshots/digest.png)

Seeds a temporary SQLite store with the report tests' week (tests/report_helpers.py), renders
the French digest in Europe/Paris as `warden report --to` writes it, and saves a full-page PNG.
Needs Playwright and a Chromium (CHROMIUM, default /usr/bin/chromium).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from report_helpers import END, START, WEEK, config_for, seed  # noqa: E402

from warden.report.data import Period, read_report  # noqa: E402
from warden.report.render import render_report  # noqa: E402
from warden.store.db import Database  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots" / "digest.png"
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'warden.db'}"
        db = Database(url)
        db.upgrade()
        seed(db)
        config = config_for(tmp, url)
        with db.session() as session:
            data = read_report(session, config, WEEK, END)
        db.dispose()
        page_file = tmp / "digest.html"
        page_file.write_text(render_report(data, "fr", "Europe/Paris").html, encoding="utf-8")
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
                args=["--no-sandbox"],
            )
            page = browser.new_page(viewport={"width": 760, "height": 900})
            page.goto(page_file.as_uri())
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out), full_page=True)
            browser.close()
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
