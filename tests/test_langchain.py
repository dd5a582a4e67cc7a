"""newsqa inside LangChain: the retriever and QA compose in LCEL; QA is a Runnable with message history."""

import asyncio
from datetime import date

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.prompts import PromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tracers.run_collector import RunCollectorCallbackHandler

from rag import QA, Answer, QuestionError
from rag.answer.followup import Turn
from rag.chains import with_message_history

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
    retriever = ingest(make_services(), tmp_path).filtered(k=2)
    docs = retriever.invoke("Elm Street bridge")
    assert {d.metadata["article_id"] for d in docs} == {"bridge-1", "bridge-2"}
    assert set(docs[0].metadata) >= {"article_id", "title", "url", "published", "chunk_id", "score"}
    assert all(d.page_content for d in docs)


def test_filters_are_fields(make_services, tmp_path):
    base = ingest(make_services(), tmp_path)
    after = base.filtered(published_after=date(2026, 4, 1)).invoke("Elm Street bridge")
    assert [d.metadata["article_id"] for d in after] == ["bridge-2"]
    one = base.filtered(source="a.example").invoke("Elm Street bridge")
    assert {d.metadata["article_id"] for d in one} == {"bridge-1"}
    assert base.source is None and base.published_after is None  # a filtered copy leaves the original as it was
    with pytest.raises(TypeError, match="got sauce"):
        base.filtered(sauce="a.example")


def test_the_generation_llm_is_a_runnable(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, " Oslo", " Bergen")
    runs = RunCollectorCallbackHandler()
    chain = PromptTemplate.from_template("Question: {q}\nAnswer:") | qa.llm.bind(stop=["\n"])
    assert chain.invoke({"q": "Which city?"}, config={"callbacks": [runs]}) == " Oslo"
    (root,) = runs.traced_runs  # the model's run is a child of the chain's: the wrapper passes the config on
    assert [child.run_type for child in root.child_runs][-1] == "llm"
    assert root.child_runs[-1].inputs["prompts"] == ["Question: Which city?\nAnswer:"]
    assert "".join(qa.llm.stream("Question: Which town?\nAnswer:")) == " Bergen"


def test_the_retriever_composes_in_an_lcel_chain(make_services, tmp_path):
    retriever = ingest(make_services(), tmp_path).filtered(k=2)
    seen = []

    def format_docs(docs):
        return "\n\n".join(f"[{d.metadata['title']}] {d.page_content}" for d in docs)

    prompt = PromptTemplate.from_template("Context:\n{context}\n\nQuestion: {question}\nAnswer:")
    chain = {"context": retriever | format_docs, "question": lambda q: q} | prompt | RunnableLambda(
        lambda p: seen.append(p.to_string()) or p) | FakeListLLM(responses=["$4.2 million"])
    assert chain.invoke("How much did the Elm Street bridge cost?") == "$4.2 million"
    assert "Riverton opens its new bridge" in seen[0] and "Question: How much did the Elm Street bridge cost?" in seen[0]


# QA as a Runnable

def seeded_qa(make_services, tmp_path, *responses):
    services = make_services(*responses)
    ingest(services, tmp_path)
    return services.qa


def test_qa_invokes_on_a_string_or_a_dict(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million", "$4.2 million")
    by_string = qa.invoke("How much did the Elm Street bridge cost?")
    by_dict = qa.invoke({"question": "How much did the Elm Street bridge cost?", "history": [], "choices": None})
    assert isinstance(by_string, Answer) and by_string.text.startswith("$4.2 million")
    assert by_dict.text == by_string.text and by_string.citations[0].article_id == "bridge-1"


def test_qa_batches_and_answers_each_question(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million")
    answers = qa.batch(["How much did the Elm Street bridge cost?",
                        {"question": "Which bridge?", "choices": ["Elm Street", "Oak Avenue"]}])
    assert answers[0].text.startswith("$4.2 million")
    assert answers[1].choice == 0


def test_qa_awaits_and_streams_only_the_checked_answer(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million", "$4.2 million")
    question = "How much did the Elm Street bridge cost?"
    awaited = asyncio.run(qa.ainvoke(question))

    async def collect():
        return [chunk async for chunk in qa.astream(question)]

    streamed = asyncio.run(collect())
    assert awaited.text.startswith("$4.2 million")
    assert [type(c) for c in streamed] == [Answer] and streamed[0].text == awaited.text


def test_qa_composes_in_lcel(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million")
    chain = RunnableLambda(lambda topic: f"How much did the {topic} cost?") | qa | RunnableLambda(lambda a: a.text)
    assert chain.invoke("Elm Street bridge").startswith("$4.2 million")


def test_callbacks_see_a_retriever_run_and_the_llm_as_child_runs_and_progress_events(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million")
    runs = RunCollectorCallbackHandler()
    events = []

    class Progress(BaseCallbackHandler):
        def on_custom_event(self, name, data, **kwargs):
            events.append((name, data))

    qa.invoke("How much did the Elm Street bridge cost?", config={"callbacks": [runs, Progress()]})
    (root,) = runs.traced_runs
    children = {child.name: child for child in root.child_runs}
    assert root.name == "newsqa" and {"Retriever", "FakeListLLM"} <= set(children)
    assert children["FakeListLLM"].run_type == "llm"
    retrieval = children["Retriever"]  # a retriever run, with the ranked passages as its Documents
    assert retrieval.run_type == "retriever" and retrieval.outputs["documents"]
    assert retrieval.outputs["documents"][0].metadata["article_id"].startswith("bridge")
    assert [data["stage"] for name, data in events if name == "newsqa_progress"] == ["searching", "checking"]


def test_qa_keeps_a_conversation_in_message_history(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million", "unknown", "doubled")
    sessions = {}
    chat = with_message_history(qa, sessions)
    config = {"configurable": {"session_id": "reader-1"}}
    first = chat.invoke({"question": "How much did the Elm Street bridge cost?"}, config=config)
    seen = {}
    original = qa.steps

    def spy(question, **kwargs):
        seen.update(kwargs)
        return original(question, **kwargs)

    qa.steps = spy
    chat.invoke({"question": "And what happened to its traffic?"}, config=config)
    assert first.content.startswith("$4.2 million") and first.response_metadata["citations"]
    assert seen["history"] == [Turn("How much did the Elm Street bridge cost?", "$4.2 million")]  # with its answer
    assert [m.type for m in sessions["reader-1"]] == ["human", "ai", "human", "ai"]
    with pytest.raises(QuestionError, match="session_id"):
        chat.invoke({"question": "Which bridge?"})


def test_qa_rejects_an_input_without_a_question(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path)
    with pytest.raises(QuestionError, match="no \"question\""):
        qa.invoke({"history": []})
    with pytest.raises(QuestionError, match="unknown QA input keys"):
        qa.invoke({"question": "Which bridge?", "qestion": "typo"})


def test_any_langchain_llm_can_be_passed_in(make_services, tmp_path):
    services = make_services()
    ingest(services, tmp_path)
    qa = QA(services.qa.retriever, FakeListLLM(responses=["$4.2 million"]), services.qa.models)
    assert qa.llm.writes is False and qa.invoke("How much did the Elm Street bridge cost?").text.startswith("$4.2")
    chat = QA(services.qa.retriever, FakeListChatModel(responses=["It cost $4.2 million [1]."]), services.qa.models)
    assert chat.llm.writes is True


def test_the_qa_retriever_is_a_langchain_retriever(make_services, tmp_path):
    qa = seeded_qa(make_services, tmp_path, "$4.2 million")
    docs = qa.retriever.invoke("Elm Street bridge")
    assert docs and all(d.metadata["article_id"].startswith("bridge") for d in docs[:2]) and len(docs) <= qa.retriever.k
    titles = (qa.retriever | RunnableLambda(lambda found: [d.metadata["title"] for d in found])).invoke("Elm Street bridge")
    assert titles == [d.metadata["title"] for d in docs]


def test_streamed_message_chunks_pair_as_turns_like_messages():
    from langchain_core.messages import AIMessageChunk, HumanMessage, HumanMessageChunk

    from rag.qa import _turns_of_messages

    turns = _turns_of_messages([HumanMessageChunk(content="Who attacked the prison?"), AIMessageChunk(content="IS"),
                                HumanMessage(content="And when?")])
    assert [(t.question, t.answer) for t in turns] == [("Who attacked the prison?", "IS"), ("And when?", None)]
