"""The LLM's drafts and judgements during training: kept in a JSON file by model and prompt (a rerun does not
redraft), or none at all."""

import hashlib
import inspect
import json
from pathlib import Path

from rag.llm import GenerationLLM

__all__ = ["DraftCache", "NoLLM"]


class DraftCache(GenerationLLM):
    """The LLM's drafts (and its judgements of candidates) kept in a JSON file by model and prompt, so a second
    training run does not redraft."""

    def __init__(self, llm: GenerationLLM, path=None):
        super().__init__(None, name=f"cached {llm.name}", prompt=llm.prompt, reader=llm.reader)
        self.llm, self.path = llm, path
        # Which model drafted: drafts of another model (or of the same weights run differently, or with another
        # adapter: its name carries the adapter's digest) are not reused.
        self.drafter = type(llm.runnable).__name__ if llm.runnable is not None else llm.name
        if llm.reader is not None:
            self.drafter += f" ({llm.name})"
        # Whose judgements: those of other code (another way of batching them) are not reused.
        self.judge_code = (hashlib.sha256(Path(inspect.getfile(type(llm.runnable))).read_bytes()).hexdigest()[:12]
                           if llm.judges else None)
        self.drafts: dict[str, str] = {}
        if path is not None and path.exists():
            try:
                self.drafts = json.loads(path.read_text())
            except ValueError:
                self.drafts = {}

    def invoke(self, input: str, config=None, *, stop=None, max_tokens=None, **kwargs) -> str:
        key = hashlib.sha256(json.dumps([self.drafter, input, stop]).encode()).hexdigest()
        if key not in self.drafts:
            self.drafts[key] = self.llm.invoke(input, config, stop=stop)
        return self.drafts[key]

    def stream(self, input: str, config=None, *, stop=None, max_tokens=None, **kwargs):
        yield self.invoke(input, config, stop=stop)

    @property
    def judges(self) -> bool:
        return self.llm.judges

    def logprobs(self, prompt: str, continuations):
        keys = [hashlib.sha256(json.dumps([self.drafter, self.judge_code, prompt, c]).encode()).hexdigest()
                for c in continuations]
        missing = [(key, c) for key, c in zip(keys, continuations) if key not in self.drafts]
        if missing:
            for (key, _), scored in zip(missing, self.llm.logprobs(prompt, [c for _, c in missing])):
                self.drafts[key] = scored
        return [self.drafts[key] for key in keys]

    def save(self) -> None:
        if self.path is not None:
            self.path.write_text(json.dumps(self.drafts))


class NoLLM(GenerationLLM):
    """Training without an LLM: no drafts (the draft-agreement feature stays 0)."""

    def __init__(self):
        super().__init__(None, name="none")

    def stream(self, input: str, config=None, *, stop=None, max_tokens=None, **kwargs):
        return iter(())
