"""Text generation speed: SmolLM2-135M-Instruct (Q4_1 GGUF) in Chromium with wllama, one and two
threads, with and without cross-origin isolation, and the build-time numpy path on the same prompts.

Prints a Markdown table, and how often the browser's greedy continuation and the Python one agree.

    .venv/bin/python benchmarks/generation.py          (needs `make setup` and Debian's chromium)
    .venv/bin/python benchmarks/generation.py --quick  (fewer agreement prompts)
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # the numpy path is fastest single-threaded here

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

from browser.conftest import ARGS, CHROMIUM  # noqa: E402
from conftest import make_project, run_mkdocs_build  # noqa: E402
from fromscratch.textgen.answers import Generator, chat_prompt  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from widgets import chromium_memory_mb  # noqa: E402

GGUF = ROOT / ".cache" / "models" / "SmolLM2-135M-Instruct" / "SmolLM2-135M-Instruct.Q4_1.gguf"
PAGE = '# Generate\n\n{% widget "text-generator" %}\n'
SHORT = "What is a vector, in one sentence?"
# Agreement prompts: short questions written for this benchmark (CC0).
QUESTIONS = [
    "What is the capital of France?",
    "Name three primary colours.",
    "What does a thermometer measure?",
    "Give me a synonym for happy.",
    "How many legs does a spider have?",
    "What is the opposite of cold?",
    "Why do we need sleep?",
    "What is 12 plus 7?",
]

LOAD = """async (threads) => {
  const g = await import(new URL('assets/javascripts/widgets/generation.js', location.href));
  const t0 = performance.now();
  const info = await g.load({threads});
  return {ms: performance.now() - t0, network: info.networkBytes, threads: info.threads, isolated: info.isolated};
}"""

GENERATE = """async ([prompt, maxTokens]) => {
  const g = await import(new URL('assets/javascripts/widgets/generation.js', location.href));
  const r = await g.generate({prompt, maxTokens});
  return r;
}"""


def long_prompt(tokens_wanted: int, generator: Generator) -> str:
    """About `tokens_wanted` tokens of this site's own prose (the Vectors page) and a question."""
    text = (ROOT / "docs/content/ch0-fundamentals/vectors.md").read_text(encoding="utf-8").split("---", 2)[2]
    text = re.sub(r"\{%.*?%\}|<[^>]+>|[#*`]", " ", text, flags=re.S)
    words = text.split()
    lo, hi = 10, len(words)
    while lo < hi:  # the longest passage that keeps the whole prompt within the budget
        mid = (lo + hi + 1) // 2
        n = len(generator.encode(chat_prompt(" ".join(words[:mid]) + "\n\nWhat is this text about?")))
        lo, hi = (mid, hi) if n <= tokens_wanted else (lo, mid - 1)
    return chat_prompt(" ".join(words[:lo]) + "\n\nWhat is this text about?")


def serve(site: Path, isolated: bool):  # noqa: ANN201 - (server, base url)
    class Handler(http.server.SimpleHTTPRequestHandler):
        def end_headers(self) -> None:
            if isolated:  # what a host that can send headers (not GitHub Pages) would add
                self.send_header("Cross-Origin-Opener-Policy", "same-origin")
                self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
            super().end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/"


def browser_runs(site: Path, prompts: dict[str, str], questions: list[str], max_tokens: int) -> tuple[list[dict], dict]:
    rows, answers = [], {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for isolated, threads in ((False, 1), (True, 1), (True, 2)):
            httpd, base = serve(site, isolated)
            ctx = browser.new_context()
            ctx.set_default_timeout(900_000)
            page = ctx.new_page()
            page.goto(base)
            before = chromium_memory_mb()
            cold = page.evaluate(LOAD, threads)
            added = chromium_memory_mb() - before
            page2 = ctx.new_page()  # a second visit: everything from Cache Storage
            page2.goto(base)
            warm = page2.evaluate(LOAD, threads)
            page2.close()
            row = {"mode": f"{threads} thread{'s' if threads > 1 else ''}, {'isolated' if isolated else 'not isolated'}",
                   "cold": cold, "warm": warm, "memory": added, "prompts": {}}
            for name, prompt in prompts.items():
                row["prompts"][name] = page.evaluate(GENERATE, [prompt, max_tokens])
            if not isolated:
                for q in questions:
                    answers[q] = page.evaluate(GENERATE, [chat_prompt(q), 24])["text"]
            rows.append(row)
            ctx.close()
            httpd.shutdown()
        browser.close()
    return rows, answers


def python_runs(generator: Generator, prompts: dict[str, str], questions: list[str], max_tokens: int) -> tuple[dict, dict]:
    figures = {}
    for name, prompt in prompts.items():
        ids = generator.encode(prompt)
        t0 = time.perf_counter()
        logits, cache = generator.model.forward(ids, None)
        read = time.perf_counter() - t0
        t1 = time.perf_counter()
        out = 0
        while out < max_tokens:
            logits, cache = generator.model.forward([int(logits.argmax())], cache)
            out += 1
        figures[name] = {"prompt_tokens": len(ids), "read_s": read, "prompt_tps": len(ids) / read,
                         "gen_tps": out / (time.perf_counter() - t1)}
    answers = {q: generator.complete(chat_prompt(q), 24).text for q in questions}
    return figures, answers


def gz(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    questions = QUESTIONS[:3] if args.quick else QUESTIONS
    max_tokens = 32
    t = time.perf_counter()
    generator = Generator(GGUF)
    py_load = time.perf_counter() - t
    prompts = {"short": chat_prompt(SHORT), "400-token": long_prompt(400, generator)}
    with tempfile.TemporaryDirectory(prefix="gen-bench-") as tmp:
        project = make_project(Path(tmp), {"index.md": PAGE})
        result = run_mkdocs_build(project)
        if not result.ok:
            sys.exit(result.output)
        site = result.site
        manifest = json.loads((site / "assets/runtime/runtime.json").read_text(encoding="utf-8"))
        section = manifest["generation"]
        files = [site / manifest["files"][name]["url"]
                 for name in (section["model"]["model_file"], section["wasm"], section["library"])]
        raw, packed = sum(f.stat().st_size for f in files), sum(gz(f) for f in files)
        rows, browser_answers = browser_runs(site, prompts, questions, max_tokens)
    py, py_answers = python_runs(generator, prompts, questions, max_tokens)

    cores = os.cpu_count()
    print(f"\nText generation, SmolLM2-135M-Instruct Q4_1, {cores} cores, headless Chromium, "
          f"load average {os.getloadavg()[0]:.1f} at the end\n")
    print(f"Download (GGUF + wllama.wasm + wllama.js): {raw / 1e6:.1f} MB raw, {packed / 1e6:.1f} MB gzipped\n")
    print("| runtime | load cold (s) | load warm (s) | warm network bytes | memory added (MB) "
          "| short: prompt tok/s | short: first token (s) | short: gen tok/s "
          "| 400-token: prompt tokens | 400-token: first token (s) | 400-token: gen tok/s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        s, L = r["prompts"]["short"], r["prompts"]["400-token"]
        print(f"| wllama, {r['mode']} | {r['cold']['ms'] / 1000:.1f} | {r['warm']['ms'] / 1000:.1f} | {r['warm']['network']} "
              f"| {r['memory']:.0f} | {s['promptPerSecond'] or 0:.1f} | {(s['ttftMs'] or 0) / 1000:.1f} | {s['tokensPerSecond'] or 0:.1f} "
              f"| {L['promptTokens']} | {(L['ttftMs'] or 0) / 1000:.1f} | {L['tokensPerSecond'] or 0:.1f} |")
    s, L = py["short"], py["400-token"]
    print(f"| numpy build-time path (1 BLAS thread) | {py_load:.1f} | – | – | – | {s['prompt_tps']:.1f} | {s['read_s']:.1f} "
          f"| {s['gen_tps']:.1f} | {L['prompt_tokens']} | {L['read_s']:.1f} | {L['gen_tps']:.1f} |")

    same = sum(browser_answers[q].strip() == py_answers[q].strip() for q in questions)
    print(f"\nGreedy agreement, browser (1 thread) vs numpy, 24 tokens each: {same} of {len(questions)} identical")
    for q in questions:
        mark = "=" if browser_answers[q].strip() == py_answers[q].strip() else "≠"
        print(f"  {mark} {q}\n      browser: {browser_answers[q].strip()!r}\n      numpy:   {py_answers[q].strip()!r}")


if __name__ == "__main__":
    main()
