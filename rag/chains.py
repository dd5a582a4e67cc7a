"""newsqa inside LangChain: a conversation's message history around `QA` (itself a Runnable; its retriever,
`QA.retriever`, is a `BaseRetriever` that composes in LCEL, e.g. `retriever | (lambda docs: ...) | prompt | llm`).

    from newsqa.app import open_qa
    from rag.chains import with_message_history
    chat = with_message_history(open_qa())
    chat.invoke({"question": "Who led the raid?"}, config={"configurable": {"session_id": "reader-1"}})
"""

from collections.abc import MutableMapping
from dataclasses import asdict

from langchain_core.messages import AIMessage, BaseMessage, HumanMessage
from langchain_core.runnables import Runnable, RunnableConfig, RunnableLambda

from newsqa.errors import QuestionError
from rag.types import Answer

__all__ = ["answer_message", "with_message_history"]


def answer_message(answer: Answer) -> AIMessage:
    """An answer as the chat message a conversation keeps: its text, and the rest in `response_metadata`."""
    return AIMessage(content=answer.text, response_metadata={
        "abstained": answer.abstained, "kind": answer.kind, "citations": [asdict(c) for c in answer.citations],
        "confidence": answer.confidence, "likelihood": answer.likelihood, "doubtful": answer.doubtful})


def with_message_history(qa: Runnable, sessions: MutableMapping[str, list[BaseMessage]] | None = None) -> Runnable:
    """`qa` keeping each conversation's messages: invoke with `{"question": ...}` (or the question) and
    `config={"configurable": {"session_id": ...}}`; the session's earlier questions and answers make a follow-up
    stand alone. Returns the answer as an `AIMessage` (see `answer_message`); `sessions` (a dict by default; any
    mapping, such as one kept on disk) gains the question and the answer as messages.

    (LangChain 1.x deprecates `RunnableWithMessageHistory` and the chat-history classes in favour of LangGraph's
    persistence; a conversation here is a list of messages, which needs neither.)"""
    sessions = {} if sessions is None else sessions

    def answer(request: str | dict, config: RunnableConfig) -> AIMessage:
        session = (config.get("configurable") or {}).get("session_id")
        if session is None:
            raise QuestionError('a conversation needs config={"configurable": {"session_id": ...}}')
        request = {"question": request} if isinstance(request, str) else dict(request)
        earlier = list(sessions.get(session, []))
        message = answer_message(qa.invoke({**request, "history": earlier}, config))
        sessions[session] = [*earlier, HumanMessage(str(request.get("question", ""))), message]
        return message

    return RunnableLambda(answer, name="newsqa_conversation")
