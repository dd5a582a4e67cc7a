"""From passages to an answer: the evidence sentences, candidate spans and their scoring rows, the checks on what a
passage is about (key terms, places, tense), the answer's shape (fact, explanation, latest), follow-ups, multiple
choice and the checks on what a capable LLM writes. May import: `ingest`, ground, `rag.types`, `rag.text`,
`rag.learned`, `rag.llm` (prompts), `rag.retrieval`; never `rag.qa`, `rag.training` or `rag.evaluate`."""
