"""Article-body extraction benchmark: this project's `extract_article` against plain trafilatura.

Reads the shared benchmark (181 real news pages, hand-made ground truth, its own scorer) from
``../shared/benchmarks/article-extraction/`` relative to the repo root (or BENCH_EXTRACTION_DIR),
runs both extractors on every page in one run and scores both outputs with the benchmark's own
``evaluate.py``. The project's body is its text blocks joined by blank lines (images and embeds
carry no body text). CPU time is process time per page (parsing included, decompression not).

Prints F1, precision and recall (bootstrap std from evaluate.py), CPU ms per page, pages that
came back empty and pages that raised; then the multilingual development set
(``tests/fixtures/multilingual/``: hand-written pages in ru, be, uk, pl, de modelled on real outlet
markup, each with a sign-up form, a "most read" list and a paywall notice, some with teaser cards): F1 per language on
the development and held-out halves, the share of furniture lines that reached the story per
cause, and CPU ms per page, for both extractors. ``--dump DIR`` writes both outputs as benchmark JSON
files there (for reading the misses); ``--n-bootstrap`` is passed to the scorer.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import statistics
import sys
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from newsroom.sources.extraction import extract_article  # noqa: E402

MULTILINGUAL_DIR = ROOT / "tests/fixtures/multilingual"
BENCH_DIR = Path(os.environ.get("BENCH_EXTRACTION_DIR", ROOT.parent / "shared/benchmarks/article-extraction"))
TEXT_KINDS = {"paragraph", "heading", "quote", "list_item"}


def _load_evaluate() -> Any:
    spec = importlib.util.spec_from_file_location("article_extraction_evaluate", BENCH_DIR / "evaluate.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no evaluate.py under {BENCH_DIR}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


CONFIDENCE: dict[str, float] = {}  # page URL -> the importer's confidence score


def _project(content: bytes, url: str) -> str:
    article = extract_article(content=content, url=url, headers={"Content-Type": "text/html; charset=utf-8"})
    if article.confidence is not None:
        CONFIDENCE[url] = article.confidence.score
    return "\n\n".join(b["text"] for b in article.blocks if b["kind"] in TEXT_KINDS and b["text"])


def _trafilatura(content: bytes, url: str) -> str:
    return trafilatura.extract(content.decode("utf-8", "replace"), url=url) or ""


def run(name: str, extractor: Any, pages: dict[str, bytes], truth: dict[str, dict[str, Any]]) -> dict[str, Any]:
    output: dict[str, dict[str, str]] = {}
    cpu: list[float] = []
    raised: list[str] = []
    for key, content in pages.items():
        started = time.process_time()
        try:
            body = extractor(content, truth[key].get("url") or "https://example.com/")
        except Exception:  # noqa: BLE001 - a raising page is a finding, reported below
            raised.append(key)
            traceback.print_exc(limit=3)
            body = ""
        cpu.append((time.process_time() - started) * 1000)
        output[key] = {"articleBody": body}
    return {"name": name, "output": output, "cpu": cpu, "raised": raised}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--dump", type=Path, help="write each extractor's output JSON into this folder")
    parser.add_argument("--only", choices=["project", "trafilatura"], help="run one extractor only")
    args = parser.parse_args()
    if not (BENCH_DIR / "ground-truth.json").is_file():
        raise SystemExit(f"benchmark not found at {BENCH_DIR}")
    evaluate = _load_evaluate()
    truth = evaluate.load_json(BENCH_DIR / "ground-truth.json")
    pages = {key: gzip.decompress((BENCH_DIR / "html" / f"{key}.html.gz").read_bytes()) for key in truth}

    extractors = [("extract_article", _project), (f"trafilatura {trafilatura.__version__}", _trafilatura)]
    if args.only:
        extractors = [extractors[0 if args.only == "project" else 1]]
    results = [run(name, fn, pages, truth) for name, fn in extractors]

    print(f"article-extraction benchmark: {len(pages)} pages from {BENCH_DIR}")
    print(
        f"{'extractor':<20} {'F1':>15} {'precision':>15} {'recall':>15} {'CPU ms/page':>12} {'empty':>6} {'raised':>6}"
    )
    for res in results:
        metrics = evaluate.evaluate(truth, res["output"], args.n_bootstrap)
        empty = sum(1 for v in res["output"].values() if not v["articleBody"].strip())
        print(
            f"{res['name']:<20} {metrics['f1']:.4f} ± {metrics['f1_std']:.4f} "
            f"{metrics['precision']:.4f} ± {metrics['precision_std']:.4f} "
            f"{metrics['recall']:.4f} ± {metrics['recall_std']:.4f} "
            f"{statistics.mean(res['cpu']):>12.1f} {empty:>6} {len(res['raised']):>6}"
        )
        if res["name"] == "extract_article":
            _confidence_report(metrics["tp_fp_fns"], [truth[k].get("url") or "https://example.com/" for k in truth])
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            slug = res["name"].split()[0]
            (args.dump / f"{slug}.json").write_text(json.dumps(res["output"], ensure_ascii=False, indent=1))
    if len(results) == 2:
        ours, theirs = results[0]["output"], results[1]["output"]
        lost = [k for k in ours if not ours[k]["articleBody"].strip() and theirs[k]["articleBody"].strip()]
        print(f"pages trafilatura extracts that extract_article returns empty: {len(lost)}")
        for key in lost:
            print(f"  {key} {truth[key].get('url')}")
    multilingual(evaluate, extractors)


def _confidence_report(tp_fp_fns: list[tuple[float, float, float]], urls: list[str]) -> None:
    """Whether a low confidence points at the pages extracted badly: mean F1 under and over the line."""
    from newsroom.sources.extraction.confidence import LOW

    f1s = [2 * tp / (2 * tp + fp + fn) if tp else 0.0 for tp, fp, fn in tp_fp_fns]
    low = [f for f, url in zip(f1s, urls, strict=True) if CONFIDENCE.get(url, 1.0) < LOW]
    high = [f for f, url in zip(f1s, urls, strict=True) if CONFIDENCE.get(url, 1.0) >= LOW]
    print(
        f"{'':<20} confidence < {LOW}: {len(low)} pages, mean page F1 {statistics.mean(low) if low else 0:.3f}; "
        f"the other {len(high)}: {statistics.mean(high) if high else 0:.3f}"
    )


def _leaked(line: str, body: str, evaluate: Any) -> bool:
    """A furniture line reached the story: most of its words, in order, are in the output."""
    words = evaluate._tokenize(line)
    out = " ".join(evaluate._tokenize(body))
    return bool(words) and " ".join(words) in out


def multilingual(evaluate: Any, extractors: list[tuple[str, Any]]) -> None:
    expected = json.loads((MULTILINGUAL_DIR / "expected.json").read_text())["pages"]
    pages = {key: (MULTILINGUAL_DIR / f"{key}.html").read_bytes() for key in expected}
    truth = {
        key: {"articleBody": "\n\n".join(v["story"]), "url": f"https://{key}.example/news/1.html"}
        for key, v in expected.items()
    }
    results = [run(name, fn, pages, truth) for name, fn in extractors]
    langs = sorted({v["lang"] for v in expected.values()})
    print(f"\nmultilingual development set: {len(pages)} pages from {MULTILINGUAL_DIR.relative_to(ROOT)}")
    print(f"{'extractor':<20} {'split':<9} " + " ".join(f"{lang:>6}" for lang in langs) + f" {'all':>6}")
    for res in results:
        for split in ("dev", "held-out"):
            row = []
            for lang in [*langs, None]:
                keys = [k for k, v in expected.items() if v["split"] == split and lang in (None, v["lang"])]
                metrics = evaluate.evaluate({k: truth[k] for k in keys}, {k: res["output"][k] for k in keys}, 0)
                row.append(f"{metrics['f1']:>6.3f}")
            print(f"{res['name']:<20} {split:<9} " + " ".join(row))
    causes = ["form", "most_read", "paywall", "teaser"]
    print(f"{'furniture leaked':<20} {'split':<9} " + " ".join(f"{c:>10}" for c in causes) + f" {'CPU ms/page':>12}")
    for res in results:
        for split in ("dev", "held-out"):
            cells = []
            for cause in causes:
                lines = [
                    (key, line) for key, v in expected.items() if v["split"] == split for line in v["furniture"][cause]
                ]
                leaked = sum(_leaked(line, res["output"][key]["articleBody"], evaluate) for key, line in lines)
                cells.append(f"{leaked:>4}/{len(lines):<5}")
            print(
                f"{res['name']:<20} {split:<9} "
                + " ".join(f"{c:>10}" for c in cells)
                + f" {statistics.mean(res['cpu']):>12.1f}"
            )


if __name__ == "__main__":
    main()
