"""Page weight: the HTML bytes of every built page, and how much of it is inline <style>.

    .venv/bin/python benchmarks/page_weight.py [--site DIR] [--baseline DIR] [--write FILE]

Without --site it builds the real site (`mkdocs build --strict`) into a temporary folder.
--baseline names another built site (say, one built from an older commit) to compare with.
Notebook CSS should be one shared, cacheable stylesheet (assets/stylesheets/jupyter.*.css),
so a page's HTML is its content, not ~600 KB of copied <style>.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_STYLE = re.compile(rb"<style[^>]*>.*?</style>", re.S | re.I)


def build(site: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stdout}{proc.stderr}")


def pages(site: Path) -> dict[str, tuple[int, int, bool]]:
    """URL -> (HTML bytes, inline <style> bytes, links the shared notebook stylesheet)."""
    found = {}
    for path in sorted(site.rglob("index.html")):
        rel = path.parent.relative_to(site).as_posix()
        data = path.read_bytes()
        styles = sum(len(m) for m in _STYLE.findall(data))
        found["/" if rel == "." else f"/{rel}/"] = (len(data), styles, b"stylesheets/jupyter." in data)
    return found


def kb(n: float) -> str:
    return f"{n / 1024:,.1f}"


def table(site: Path, baseline: Path | None) -> str:
    now = pages(site)
    before = pages(baseline) if baseline else {}
    head = "| page | HTML KB | inline <style> KB | notebook CSS linked |"
    rule = "| --- | ---: | ---: | :---: |"
    if before:
        head += " baseline HTML KB | change |"
        rule += " ---: | ---: |"
    lines = [head, rule]
    for url, (size, styles, linked) in sorted(now.items(), key=lambda kv: -kv[1][0]):
        row = f"| {url} | {kb(size)} | {kb(styles)} | {'yes' if linked else ''} |"
        if before:
            old = before.get(url, (0, 0, False))[0]
            row += f" {kb(old)} | {(size - old) / old:+.0%} |" if old else " – | new |"
        lines.append(row)
    total = sum(v[0] for v in now.values())
    row = f"| **all pages** | **{kb(total)}** | {kb(sum(v[1] for v in now.values()))} | |"
    if before:
        old_total = sum(v[0] for v in before.values())
        row += f" **{kb(old_total)}** | {(total - old_total) / old_total:+.0%} |"
    lines.append(row)
    for css in sorted((site / "assets/stylesheets").glob("jupyter.*.css")):
        lines.append(f"\nShared notebook stylesheet `{css.relative_to(site)}`: {kb(css.stat().st_size)} KB, "
                     "fetched once and cached by the browser.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, help="a built site (default: build the real one now)")
    parser.add_argument("--baseline", type=Path, help="another built site to compare with")
    parser.add_argument("--write", type=Path, help="also write the table (Markdown) to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fromscratch-weight-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build(site)
        text = table(site, args.baseline)
    print(text)
    if args.write:
        args.write.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
