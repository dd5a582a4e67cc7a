"""HTML main-text extraction on real pages: trafilatura (after the hidden-text pass) against the heuristic extractor.

usage: python -m bench.extract PAGE.html... (or directories of pages)

For each page: content recall = share of its long paragraphs (<p> of 25+ words) found whole in the text;
furniture leak = share of the phrases of its <nav>, <header>, <footer>, <aside> (2+ words) found in the
text; paragraphs = how many paragraphs the text keeps. Means over pages, per extractor.
"""

import argparse
import re
import sys
import time
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.clean import html_to_parts

EXTRACTORS = ("heuristic", "trafilatura")


def squash(text: str) -> str:
    """Letters and digits only: how inline markup spaces words does not count."""
    return re.sub(r"\W+", "", text.lower())


def page_truth(html: str) -> tuple[list[str], list[str]]:
    """(long paragraphs, furniture phrases) of a page, by its markup."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(("script", "style", "noscript", "template")):
        tag.decompose()
    long_paragraphs = [squash(p.get_text(" ")) for p in soup.find_all("p") if len(p.get_text(" ").split()) >= 25]
    phrases = [squash(s) for tag in soup.find_all(("nav", "header", "footer", "aside")) for s in tag.stripped_strings
               if len(s.split()) >= 2]
    return long_paragraphs, phrases


def score(html: str, extractor: str) -> dict:
    started = time.perf_counter()
    text = html_to_parts(html, extractor=extractor).text
    seconds = time.perf_counter() - started
    long_paragraphs, furniture = page_truth(html)
    flat = squash(text)
    return {
        "recall": sum(p in flat for p in long_paragraphs) / len(long_paragraphs) if long_paragraphs else None,
        "leak": sum(f in flat for f in furniture) / len(furniture) if furniture else None,
        "paragraphs": len([p for p in re.split(r"\n\s*\n", text) if p.strip()]),
        "seconds": seconds,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    args = parser.parse_args(argv)
    pages = sorted(p for path in args.paths for p in ([path] if path.is_file() else path.rglob("*.htm*")))
    results = {name: [] for name in EXTRACTORS}
    for page in pages:
        html = page.read_text(encoding="utf-8", errors="replace")
        for name in EXTRACTORS:
            results[name].append(score(html, name))
    print(f"{len(pages)} pages")
    print(f"{'extractor':<12} {'content recall':>15} {'furniture leak':>15} {'paragraphs':>11} {'ms/page':>8}")
    for name, rows in results.items():
        def mean(key):
            values = [r[key] for r in rows if r[key] is not None]
            return sum(values) / len(values) if values else float("nan")
        print(f"{name:<12} {100 * mean('recall'):>14.1f}% {100 * mean('leak'):>14.1f}% {mean('paragraphs'):>11.1f}"
              f" {1000 * mean('seconds'):>8.1f}")


if __name__ == "__main__":
    sys.exit(main())
