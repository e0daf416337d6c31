"""Open a run folder's report.html in headless Chromium (Debian's package,
driven by Playwright), take a full-page screenshot, and fail on any console
error, page error, failed request, or missing or empty chart.

Usage: python check_report.py RUN_DIR SCREENSHOT.png
The charts expected depend only on the files in the folder: five always, the
break-even chart when breakeven.parquet is there.
"""

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def expected_charts(run_dir: Path) -> list[str]:
    charts = []
    if (run_dir / "plan.parquet").exists():
        charts.append("plan-frontier")
    if (run_dir / "regret_map.parquet").exists():
        charts.append("regret-map")
    if (run_dir / "breakeven.parquet").exists():
        charts.append("breakeven")
    return charts + ["cost-distribution", "monthly-fan", "cost-per-mtok", "cost-breakdown", "capacity"]


def recommends(run_dir: Path) -> bool:
    """Whether the folder holds a recommendation (plan, size): it must come first."""
    import json
    info = json.loads((run_dir / "run.json").read_text())
    return bool(info.get("recommendation"))


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    run_dir, shot = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    page_path = run_dir / "report.html"
    problems: list[str] = []
    if not page_path.is_file():
        print(f"FAIL: {page_path} does not exist")
        return 1
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1000, "height": 900},
        )
        page = browser.new_page()
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.on("request", lambda r: r.url.startswith("file://") or problems.append(f"network request: {r.url}"))
        page.goto(page_path.as_uri(), wait_until="load")
        found = page.evaluate(
            """() => [...document.querySelectorAll('figure.chart')].map(f => {
                const svgs = [...f.querySelectorAll('svg')];
                const boxes = svgs.map(s => s.getBoundingClientRect());
                return {
                    id: f.id.replace(/^chart-/, ''),
                    svgs: svgs.length,
                    width: Math.min(...boxes.map(b => b.width)),
                    height: Math.min(...boxes.map(b => b.height)),
                    shapes: svgs.reduce((n, s) => n + s.querySelectorAll('rect,polyline,polygon,path,circle,line').length, 0),
                    texts: svgs.reduce((n, s) => n + s.querySelectorAll('text').length, 0),
                    caption: (f.querySelector('figcaption') || {}).textContent || '',
                };
            })"""
        )
        first_h2 = page.evaluate("() => (document.querySelector('h2') || {}).textContent || ''")
        if recommends(run_dir) and first_h2 != "The recommendation":
            problems.append(f"the recommendation is not first: the first section is {first_h2!r}")
        ids = [f["id"] for f in found]
        want = expected_charts(run_dir)
        if ids != want:
            problems.append(f"charts {ids}, expected {want}")
        for f in found:
            if f["svgs"] == 0 or f["width"] < 300 or f["height"] < 100:
                problems.append(f"chart {f['id']}: not rendered ({f})")
            if f["shapes"] < 5 or f["texts"] < 4:
                problems.append(f"chart {f['id']}: too few shapes or labels ({f['shapes']}, {f['texts']})")
            if len(f["caption"].strip()) < 20:
                problems.append(f"chart {f['id']}: no reading under it")
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    for msg in problems:
        print("FAIL:", msg)
    print(f"{page_path}: {len(found)} charts rendered in Chromium; screenshot {shot}; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
