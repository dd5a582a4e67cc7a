"""Ingest speed: `python -m bench.ingest [--sample 600] [--no-recall]`.

Embeds the same rtqa-dev chunks with the plain sentence-transformers (PyTorch) model and with the
OpenVINO exports in one run (warm-up, then 3 timed runs each), checks retrieval recall@5 of each
embedder on the answer-in-corpus questions (exact search), then times a whole ingest to split
embedding from the rest of the pipeline, and a re-ingest of the unchanged corpus.
"""

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np

from ingest import Chunker
from ingest.embed import MiniLMEmbeddings, OpenVINOEmbeddings
from ingest.loaders import iter_articles
from newsqa import Settings
from newsqa.app import Services
from rag.evaluate import read_questions
from rag.evaluate.metrics import first_rank

from .common import RTQA, machine, median, peak_rss_mb, runs, timed


def chunks_of_corpus(counter) -> tuple[list[str], list[str]]:
    """(embedded texts, passage texts) of every rtqa-dev chunk, as ingest makes them."""
    chunker = Chunker(counter.count_tokens, 200, 40)
    chunks = [c for a in iter_articles([RTQA / "corpus.jsonl"]) for c in chunker.chunk(a)]
    return [c.embed_text for c in chunks], [c.text for c in chunks]


def recall_at_5(embedder, texts, passages) -> float:
    questions = [q for q in read_questions(RTQA / "questions.jsonl")[0] if q.fields.get("answer_in_corpus")]
    matrix = np.array(embedder.embed_documents(texts), dtype=np.float32)
    found = 0
    for q in questions:
        scores = matrix @ np.array(embedder.embed_query(q.question), dtype=np.float32)
        found += first_rank([passages[i] for i in np.argsort(-scores)[:5]], q.answers) is not None
    return round(100 * found / len(questions), 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=600)
    parser.add_argument("--no-recall", action="store_true")
    args = parser.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="newsqa-bench-models-"))
    embedders = {
        "sentence-transformers fp32 (baseline)": MiniLMEmbeddings(),
        "openvino default precision": OpenVINOEmbeddings(cache, "default"),
        "openvino int8 (ffn outputs bf16)": OpenVINOEmbeddings(cache, "int8"),
    }
    texts, passages = chunks_of_corpus(embedders["sentence-transformers fp32 (baseline)"])
    sample = texts[:: max(1, len(texts) // args.sample)][: args.sample]
    print(f"machine: {machine()}; {len(texts)} chunks in rtqa-dev, timing {len(sample)}")
    print(f"openvino inference precision: {embedders['openvino default precision'].inference_precision}")
    baseline = None
    for name, embedder in embedders.items():
        seconds = median(runs(lambda e=embedder: e.embed_documents(sample), n=3))
        rate = len(sample) / seconds
        baseline = baseline or rate
        recall = "-" if args.no_recall else recall_at_5(embedder, texts, passages)
        print(f"{name:40} {rate:7.1f} chunks/s  x{rate / baseline:4.2f}  recall@5 (in corpus) {recall}")

    home = Path(tempfile.mkdtemp(prefix="newsqa-bench-home-"))
    services = Services(Settings(home=home))
    embedder = services.embeddings
    spent = [0.0]
    original = embedder.embed_documents

    def counted(batch):
        seconds, vectors = timed(original, batch)
        spent[0] += seconds
        return vectors

    embedder.embed_documents = counted
    embedder.embed_documents(["warm up"])
    spent[0] = 0.0
    first, report = timed(services.ingestor.ingest_paths, [RTQA / "corpus.jsonl"])
    again, _ = timed(services.ingestor.ingest_paths, [RTQA / "corpus.jsonl"])
    print(f"full ingest ({services.settings.embedder}): {first:.0f} s for {len(report.added)} articles, "
          f"{report.chunks_written} chunks = {report.chunks_written / first:.1f} chunks/s, "
          f"{len(report.added) / first:.2f} articles/s")
    print(f"  embedding {spent[0]:.0f} s, everything else {first - spent[0]:.0f} s "
          f"= {100 * (first - spent[0]) / spent[0]:.0f}% of embedding time")
    print(f"re-ingest of the unchanged corpus: {again:.1f} s = {100 * again / first:.1f}% of the first ingest")
    print(f"peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
