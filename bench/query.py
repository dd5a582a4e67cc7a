"""Retrieval speed at 5k and 100k chunks: `python -m bench.query [--sizes 5000 100000]`.

The stores are built from rtqa-dev: its chunk vectors (from a store that `python -m bench.rtqa`
or `newsqa eval --corpus` filled, else embedded here) are repeated under new article ids with a
little noise, through the same `ArticleStore.put` that ingest uses. Reports p50/p95 of a whole
`Retriever.retrieve` (query embedding included) and of the vector search alone, Chroma's HNSW
settings, recall@10 of HNSW against exact search, and peak memory while building.
"""

import argparse
import json
import tempfile

import chromadb
import numpy as np
from chromadb.config import Settings as ChromaSettings

from ingest import Article, ArticleStore, Chunk
from ingest.loaders import iter_articles
from newsqa import Settings
from newsqa.build import build_embeddings
from rag.evaluate import read_questions
from rag.retrieval.hybrid import Retriever

from .common import RTQA, machine, median, p, peak_rss_mb, timed


def source_chunks(embedder) -> list[tuple[str, str, list[float]]]:
    """(article id, text, vector) of rtqa-dev's chunks, embedded once."""
    from ingest import Chunker

    chunker = Chunker(embedder.count_tokens, 200, 40)
    chunks = [(a.id, c) for a in iter_articles([RTQA / "corpus.jsonl"]) for c in chunker.chunk(a)]
    vectors = embedder.embed_documents([c.embed_text for _, c in chunks])
    return [(a, c.text, v) for (a, c), v in zip(chunks, vectors)]


def build(size: int, source, rng) -> tuple[ArticleStore, np.ndarray]:
    client = chromadb.PersistentClient(tempfile.mkdtemp(prefix="newsqa-bench-q-"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    store = ArticleStore(client, "bench")
    vectors, copy, i = [], 0, 0
    while i < size:
        by_article: dict[str, list] = {}
        for article_id, text, vector in source:
            if i >= size:
                break
            noisy = np.array(vector) + rng.normal(0, 0.01, len(vector)) * (copy > 0)
            noisy /= np.linalg.norm(noisy)
            by_article.setdefault(f"{article_id}-{copy}", []).append((text, noisy))
            i += 1
        batch = []
        for article_id, rows in by_article.items():
            article = Article(id=article_id, title=article_id, text=" ".join(t for t, _ in rows))
            chunks = [Chunk(f"{article_id}:{n}", article_id, t, n, t) for n, (t, _) in enumerate(rows)]
            batch.append((article, "v", chunks, {c.id: v.tolist() for c, (_, v) in zip(chunks, rows)}))
            vectors += [v for _, v in rows]
            if len(batch) == 50:
                store.put_many(batch)
                batch = []
        store.put_many(batch)
        copy += 1
    return store, np.array(vectors, dtype=np.float32)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 100000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    embedder = build_embeddings(Settings())
    print(f"machine: {machine()}")
    source = source_chunks(embedder)
    questions = [q.question for q in read_questions(RTQA / "questions.jsonl")[0]]
    queries = (questions * (args.queries // len(questions) + 1))[: args.queries]
    rng = np.random.default_rng(0)
    for size in args.sizes:
        seconds, (store, matrix) = timed(build, size, source, rng)
        retriever = Retriever(store, embedder, k=5)
        retriever.retrieve("warm up")
        whole = [timed(retriever.retrieve, q)[0] for q in queries]
        vecs = [embedder.embed_query(q) for q in queries]
        search = [timed(store.search, v, 5)[0] for v in vecs]
        exact_hits = 0
        for v in vecs[:100]:
            exact = set(np.argsort(-(matrix @ np.array(v, dtype=np.float32)))[:10])
            found = store.chunk_vectors(store.nearest_chunk_ids(v, 10)).values()
            exact_hits += len({i for i in exact} & {int(np.argmax(matrix @ np.array(e, dtype=np.float32))) for e in found})
        config = json.dumps(store.index_settings())
        print(f"{store.counts()[1]:>7} chunks (built in {seconds:.0f} s, peak RSS {peak_rss_mb():.0f} MB): "
              f"retrieve p50 {1000 * median(whole):.0f} ms p95 {1000 * p(whole, 95):.0f} ms; "
              f"vector search p50 {1000 * median(search):.0f} ms p95 {1000 * p(search, 95):.0f} ms; "
              f"HNSW recall@10 vs exact {exact_hits / 10:.1f}%")
        print(f"        HNSW settings: {config}")


if __name__ == "__main__":
    main()
