"""The two models the settings name, made: the embedder and the LLM (the composition root and the probes' child
processes use these; nothing else reads settings to build a model)."""

from langchain_core.embeddings import Embeddings

from rag import GenerationLLM
from rag.learned.models import Reader
from rag.llm import embedded_llm, openai_chat
from rag.llm.prompts import reader_prompt

from .settings import Settings

__all__ = ["build_embeddings", "build_llm"]


def build_embeddings(settings: Settings) -> Embeddings:
    """The embedder the settings name: OpenVINO int8 (default), OpenVINO in the CPU's default precision,
    or sentence-transformers (torch)."""
    from ingest.embed import MiniLMEmbeddings, OpenVINOEmbeddings

    if settings.embedder == "torch":
        return MiniLMEmbeddings()
    precision = "int8" if settings.embedder == "openvino-int8" else "default"
    return OpenVINOEmbeddings(settings.models_dir, precision=precision)


def build_llm(settings: Settings, reader: Reader | None = None) -> GenerationLLM:
    """The LLM the settings ask for: the embedded GGUF (with the fine-tuned `reader`'s adapter and prompt, when the
    learned models have one and NEWSQA_READER is not 0), or an OpenAI-compatible server (which writes answers)."""
    if settings.llm == "openai":
        chat = openai_chat(settings.openai_model, settings.openai_base_url, settings.openai_api_key)
        return GenerationLLM(chat, name=f"OpenAI-compatible ({settings.openai_model})", writes=True, parallel=True)
    reader = reader if settings.reader else None
    llm = embedded_llm(settings.models_dir, cpu=settings.llama_cpu, n_ctx=settings.llm_ctx, n_threads=settings.threads,
                       lora=reader.adapter if reader else None)
    if reader is None:
        return GenerationLLM(llm, name="embedded")
    return GenerationLLM(llm, name=f"embedded reader {reader.digest}", prompt=reader_prompt, reader=reader.digest)
