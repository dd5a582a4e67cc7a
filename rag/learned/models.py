"""The learned models newsqa answers with: a passage ranker, an answer scorer with its abstention
threshold, how the LLM judges the scorer's best spans (rag/learned/judge.py), and a multiple-choice scorer.
`newsqa train` writes a directory of them; the defaults ship in rag/learned/ and were made by that same
command (see the README for how). The support check (rag/learned/support.py) is fitted afterwards on the
calibration slice, for one answer scorer: `python -m bench.calibrate --support --write`."""

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from newsqa.errors import ConfigError
from rag.learned.judge import Judge
from rag.learned.linear import Linear
from rag.learned.support import Support
from rag.learned.trees import Trees

__all__ = ["DEFAULT_DIR", "FORMAT", "READER_PROMPT", "SUPPORT_FILE", "Models", "Reader", "scorer_digest"]

DEFAULT_DIR = Path(__file__).parent  # the shipped model files live beside this module
FORMAT = 1
_FILES = {"ranker": "ranker.json", "answers": "answers.json", "choices": "choices.json"}
_JUDGE = "judge.json"  # how the LLM judges the scorer's best spans (rag/learned/judge.py); a file of its own, new in format 1
_SENTENCES = "sentences.json"  # which sentences answer (rag/training/fit.py), optional: new in format 1 too
READER_PROMPT = "reader-v1"  # the prompt the reader was trained on: rag.llm.prompts.reader_prompt
_READER = "reader.json"  # the fine-tuned reader (a LoRA adapter for the embedded LLM), optional
SUPPORT_FILE = "support.json"  # whether the LLM backs the scorer's answer (rag/learned/support.py), optional


@dataclass(frozen=True)
class Reader:
    """The embedded LLM's fine-tuned reader: a llama.cpp LoRA adapter and the prompt it was trained on."""

    adapter: Path
    prompt: str  # READER_PROMPT
    digest: str  # of the adapter file: drafts cached by `newsqa train` are the drafts of this adapter

    @classmethod
    def load(cls, info_path: Path) -> "Reader":
        info = json.loads(info_path.read_text())
        if info.get("prompt") != READER_PROMPT:
            raise ValueError(f"a reader with prompt {info.get('prompt')!r}; this newsqa knows {READER_PROMPT}")
        adapter = info_path.parent / info["adapter"]
        return cls(adapter, info["prompt"], hashlib.sha256(adapter.read_bytes()).hexdigest()[:12])


@dataclass(frozen=True)
class Models:
    """What `newsqa train` learned; `info` keeps its settings and validation scores."""

    ranker: Trees
    answers: Trees
    choices: Trees | Linear  # trees, or (since a linear model did better out of fold) a logistic regression
    threshold: float  # an answer needs this probability, else newsqa abstains
    kinds: dict[str, list[str]] | None = None  # the kinds of span that answer each question type (None: any)
    info: dict = field(default_factory=dict)
    judge: Judge | None = None  # None: the scorer's best span answers (models trained without the LLM, or before judging)
    sentences: Trees | Linear | None = None  # which sentences explain best; None: none learned did better than the
    # evidence order (or models made before it)
    reader: Reader | None = None  # the fine-tuned reader; None: the base model answers from a few-shot prompt
    support: Support | None = None  # the check of an answer by the LLM's likelihood of it; None: the threshold alone

    @classmethod
    def load(cls, directory: Path | None = None) -> "Models":
        """The models in `directory` (default: the shipped ones); ConfigError when they are unusable."""
        directory = Path(directory or DEFAULT_DIR)
        try:
            info = json.loads((directory / "models.json").read_text())
            if info.get("format") != FORMAT:
                raise ValueError(f"format {info.get('format')!r}, this newsqa reads format {FORMAT}")
            learned = {name: _load(directory / file, linear=name == "choices") for name, file in _FILES.items()}
            judged = directory / _JUDGE
            setting = json.loads(judged.read_text()).get("judge") if judged.exists() else None  # none: made before judging
            judge = Judge(int(setting["candidates"]), float(setting["weight"])) if setting else None
            sentences = _load(directory / _SENTENCES, linear=True) if (directory / _SENTENCES).exists() else None
            reader = Reader.load(directory / _READER) if (directory / _READER).exists() else None
            support = Support.load(directory / SUPPORT_FILE) if (directory / SUPPORT_FILE).exists() else None
            if support is not None and support.info.get("scorer") != scorer_digest(directory):
                raise ValueError(f"{SUPPORT_FILE} was fitted for another answer scorer; fit it again with "
                                 "`python -m bench.calibrate --support --write` or remove it")
            drafted = info.get("reader", reader.digest if reader else None)  # models from before: any reader
            if drafted != (reader.digest if reader else None):
                raise ValueError(f"the trees learned from the drafts of reader {drafted}, the directory holds "
                                 f"{reader.digest if reader else 'none'}; retrain them with `newsqa train`")
            return cls(threshold=float(info["threshold"]), kinds=info.get("kinds"), info=info, judge=judge,
                       sentences=sentences, reader=reader, support=support, **learned)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"no usable newsqa models in {directory} ({exc}); make them with `newsqa train`") from exc

    def save(self, directory: Path) -> None:
        """Write the models and their info (settings, validation scores) into `directory`."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for name, file in _FILES.items():
            getattr(self, name).save(directory / file)
        info = {**self.info, "format": FORMAT, "threshold": self.threshold, "kinds": self.kinds}
        if self.reader is not None:  # the trees learned from its drafts: it goes with them
            info["reader"] = self.reader.digest
            if self.reader.adapter.parent.resolve() != directory.resolve():
                shutil.copyfile(self.reader.adapter, directory / self.reader.adapter.name)
                shutil.copyfile(self.reader.adapter.parent / _READER, directory / _READER)
        elif "reader" in info:
            del info["reader"]
        (directory / "models.json").write_text(json.dumps(info, ensure_ascii=False, indent=1) + "\n")
        judge = {"judge": self.judge.as_dict() if self.judge else None,
                 "cross_fitted": self.info.get("training", {}).get("judge", {}).get("cross_fitted")}
        (directory / _JUDGE).write_text(json.dumps(judge, ensure_ascii=False, indent=1) + "\n")
        if self.sentences is not None:
            self.sentences.save(directory / _SENTENCES)
        if self.support is not None and self.support.info.get("scorer") == scorer_digest(directory):
            self.support.save(directory / SUPPORT_FILE)
        else:  # none, or fitted for an answer scorer these models do not have: an older one would be read with them
            (directory / SUPPORT_FILE).unlink(missing_ok=True)


def scorer_digest(directory: Path) -> str:
    """Which answer scorer a directory holds (the support check is fitted on one scorer's confidences)."""
    return hashlib.sha256((Path(directory) / _FILES["answers"]).read_bytes()).hexdigest()[:12]


def _load(path: Path, linear: bool) -> Trees | Linear:
    """A model file: trees, or where `linear` is allowed (multiple choice) a linear model, which has weights."""
    data = json.loads(path.read_text())
    return Linear.from_dict(data) if linear and isinstance(data, dict) and "weights" in data else Trees.from_dict(data)
