"""newsqa inside LangChain: the retriever composes in LCEL and carries the articles' metadata."""

from datetime import date

from langchain_core.language_models.fake import FakeListLLM
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableLambda

from rag.langchain_retriever import NewsRetriever

ARTICLES = [
    {"id": "bridge-1", "title": "Riverton opens its new bridge", "published": "2026-03-02", "url": "https://a.example/1",
     "text": "Riverton opened the Elm Street bridge on Monday. It cost $4.2 million."},
    {"id": "bridge-2", "title": "Bridge traffic doubles", "published": "2026-04-10", "url": "https://b.example/2",
     "text": "Traffic on the Elm Street bridge doubled in its first month."},
]


def ingest(services, tmp_path):
    import json

    path = tmp_path / "a.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in ARTICLES))
    services.ingestor.ingest_paths([path])
    return services.qa.retriever


def test_retriever_returns_documents_with_article_metadata(make_services, tmp_path):
    retriever = NewsRetriever(retriever=ingest(make_services(), tmp_path), k=2)
    docs = retriever.invoke("Elm Street bridge")
    assert {d.metadata["article_id"] for d in docs} == {"bridge-1", "bridge-2"}
    assert set(docs[0].metadata) >= {"article_id", "title", "url", "published", "chunk_id", "score"}
    assert all(d.page_content for d in docs)


def test_filters_are_fields(make_services, tmp_path):
    base = ingest(make_services(), tmp_path)
    after = NewsRetriever(retriever=base, published_after=date(2026, 4, 1)).invoke("Elm Street bridge")
    assert [d.metadata["article_id"] for d in after] == ["bridge-2"]
    one = NewsRetriever(retriever=base, source="a.example").invoke("Elm Street bridge")
    assert {d.metadata["article_id"] for d in one} == {"bridge-1"}


def test_the_retriever_composes_in_an_lcel_chain(make_services, tmp_path):
    retriever = NewsRetriever(retriever=ingest(make_services(), tmp_path), k=2)
    seen = []

    def format_docs(docs):
        return "\n\n".join(f"[{d.metadata['title']}] {d.page_content}" for d in docs)

    prompt = PromptTemplate.from_template("Context:\n{context}\n\nQuestion: {question}\nAnswer:")
    chain = {"context": retriever | format_docs, "question": lambda q: q} | prompt | RunnableLambda(
        lambda p: seen.append(p.to_string()) or p) | FakeListLLM(responses=["$4.2 million"])
    assert chain.invoke("How much did the Elm Street bridge cost?") == "$4.2 million"
    assert "Riverton opens its new bridge" in seen[0] and "Question: How much did the Elm Street bridge cost?" in seen[0]
