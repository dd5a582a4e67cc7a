"""`newsqa train reader`: fine-tune the embedded Gemma 3 270M as a news reader (LoRA, on the CPU) and export the
adapter for llama.cpp.

1. Examples (`reader_data`): the rtqa-train questions of the periods that neither the tree models' training runs
   nor the held-out slice use (the trees learn from drafts of questions the reader never saw; the held-out
   questions stay unseen), each with the evidence newsqa would show (rag/training/reader_data.py) and its answer
   as the passage writes it, or "unknown"; multiple-choice questions also as the right option.
2. Training (`fit_reader`): the GGUF's weights de-quantised into torch (transformers' `gguf_file=`), a LoRA on
   every linear layer of the decoder, loss on the answer's tokens only (the vocabulary head computed there only),
   bf16 autocast where the CPU has it; checkpoints every few steps, so an interrupted run resumes.
3. Export (`export_adapter`): llama.cpp's own converter (`convert_lora_to_gguf.py`, from the llama-cpp-python
   source newsqa builds) writes the adapter as a GGUF that `Llama(lora_path=...)` loads.
"""

import json
import os
import random
from collections.abc import Callable, Sequence
from pathlib import Path

from ingest.chunk import Chunker
from ingest.loaders import iter_articles
from ingest.types import Article
from newsqa.files import replacing
from rag.evaluate import EvalQuestion
from rag.llm.native import cpu_flags
from rag.training.periods import TrainConfig, assign_articles, held_out_periods, split_periods, tree_periods
from rag.training.reader_data import ReaderExample, reader_examples

__all__ = ["reader_data", "reader_periods"]

Progress = Callable[[str, int, int], None]  # (stage, done, total)


def reader_periods(questions: Sequence[EvalQuestion]) -> tuple[list, dict[str, list[str]]]:
    """The periods the reader learns from, and the names of those it must not (by why)."""
    periods = split_periods(questions, TrainConfig.weeks)
    assign_articles(periods, (), TrainConfig.weeks)
    h, b = held_out_periods(periods)
    excluded = {"trees": sorted(tree_periods(periods)), "held_out": sorted(h + b)}
    skip = {name for names in excluded.values() for name in names}
    return [p for p in periods if p.name not in skip], excluded


def reader_data(questions: Sequence[EvalQuestion], corpus_paths: Sequence[Path], chunker: Chunker, out: Path, *,
                seed: int = 0, progress: Progress | None = None) -> dict:
    """Write the reader's examples (JSONL of ReaderExample) for the usable periods' questions; what was written."""
    periods, excluded = reader_periods(questions)
    wanted = {i for p in periods for q in p.questions for i in q.fields.get("results") or ()}
    articles: dict[str, Article] = {}
    for item in iter_articles(corpus_paths):
        if isinstance(item, Article) and item.id in wanted:
            articles[item.id] = item
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    asked = [q for p in periods for q in p.questions]
    chunked: dict[str, list] = {}  # an article's chunks, made once for every question asked about it
    out.parent.mkdir(parents=True, exist_ok=True)
    with replacing(out) as partial, open(partial, "w", encoding="utf-8") as sink:  # a killed run leaves no half file
        for done, question in enumerate(asked, start=1):
            own = [articles[i] for i in question.fields.get("results") or () if i in articles]
            for article in own:
                if article.id not in chunked:
                    chunked[article.id] = chunker.chunk(article)
            for example in reader_examples(question, [(a, chunked[a.id]) for a in own], rng):
                sink.write(example.as_json() + "\n")
                counts[example.kind] = counts.get(example.kind, 0) + 1
            if progress:
                progress("writing examples", done, len(asked))
    return {"questions": len(asked), "periods": [p.name for p in periods], "excluded_periods": excluded,
            "examples": counts}


def read_examples(path: Path) -> list[ReaderExample]:
    """The examples of a file `reader_data` wrote."""
    with open(path, encoding="utf-8") as source:
        return [ReaderExample(**json.loads(line)) for line in source if line.strip()]


# LoRA on every linear layer of each decoder block (attention and MLP), as measured in READER-NOTES: 3.8M parameters.
TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


def load_base(gguf: Path, dtype=None):
    """The embedded model's tokenizer and weights, de-quantised from its GGUF into torch (about 50 s)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name, dtype=dtype or torch.float32)
    return tokenizer, model


def bf16_is_fast() -> bool:
    """Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX); elsewhere fp32 is as fast or faster."""
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def encode(tokenizer, example: ReaderExample, max_tokens: int) -> tuple[list[int], int] | None:
    """Token ids of prompt + target + newline, and where the target starts; None when too long."""
    prompt = tokenizer(example.prompt, add_special_tokens=True)["input_ids"]
    target = tokenizer(example.target + "\n", add_special_tokens=False)["input_ids"]
    if len(prompt) + len(target) > max_tokens:
        return None
    return prompt + target, len(prompt)


def answer_loss(model, ids: list[int], start: int, autocast: bool):
    """Cross-entropy of the target tokens (from `start`), the vocabulary head applied at those positions only: it
    is 262,144 wide."""
    import torch

    causal = model.base_model.model  # Gemma3ForCausalLM under the LoRA wrapper
    tokens = torch.tensor([ids])
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
        hidden = causal.model(input_ids=tokens).last_hidden_state[0, start - 1:len(ids) - 1]
        logits = causal.lm_head(hidden).float()
    cap = getattr(causal.config, "final_logit_softcapping", None)
    if cap:
        logits = torch.tanh(logits / cap) * cap
    return torch.nn.functional.cross_entropy(logits, tokens[0, start:])


def fit_reader(examples: Sequence[ReaderExample], gguf: Path, work: Path, *, steps: int, accumulation: int = 8,
               learning_rate: float = 2e-4, rank: int = 16, alpha: int = 32, max_tokens: int = 384, seed: int = 0,
               threads: int | None = None, progress: Progress | None = None) -> dict:
    """LoRA-train the reader for `steps` optimizer steps of `accumulation` examples, checkpointing into `work` (a
    rerun resumes there); the adapter ends in work/adapter (peft's format). What it did, as a dict."""
    import time

    import torch

    torch.manual_seed(seed)
    if threads:
        torch.set_num_threads(threads)
    tokenizer, model = _lora_model(gguf, rank, alpha)
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=learning_rate, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 20) * max(0.05, 1 - s / steps))
    checkpoint = work / "checkpoint.pt"
    start, losses = _resume(checkpoint, model, optimizer, schedule)
    autocast = bf16_is_fast()
    model.train()
    batches = _Batches(examples, order, tokenizer, max_tokens, cursor=start * accumulation)
    began = time.perf_counter()
    for step in range(start, steps):
        total = 0.0
        for _ in range(accumulation):
            loss = answer_loss(model, *batches.next(), autocast) / accumulation
            loss.backward()
            total += loss.item()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(round(total, 4))
        if (step + 1) % 25 == 0 or step + 1 == steps:
            _save_checkpoint(checkpoint, model, optimizer, schedule, step + 1, losses)
        if progress:
            progress("training the reader", step + 1, steps)
    model.save_pretrained(str(work / "adapter"))
    seconds = time.perf_counter() - began
    return {"steps": steps, "accumulation": accumulation, "examples_seen": steps * accumulation, "resumed_at": start,
            "learning_rate": learning_rate, "rank": rank, "alpha": alpha, "bf16": autocast,
            "skipped_too_long": batches.skipped, "loss_first_25": _mean(losses[:25]),
            "loss_last_25": _mean(losses[-25:]),
            "seconds_this_run": round(seconds), "seconds_per_step": round(seconds / max(1, steps - start), 2)}


def _lora_model(gguf: Path, rank: int, alpha: int):
    """The tokenizer and the de-quantised base model wrapped with LoRA adapters on every linear layer."""
    from peft import LoraConfig, get_peft_model

    tokenizer, base = load_base(gguf)
    return tokenizer, get_peft_model(base, LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=0.05,
                                                      task_type="CAUSAL_LM", target_modules=list(TARGET_MODULES)))


class _Batches:
    """The examples in the run's order, encoded, endlessly; those too long for `max_tokens` are skipped and counted."""

    def __init__(self, examples: Sequence[ReaderExample], order: list[int], tokenizer, max_tokens: int, cursor: int):
        self.examples, self.order, self.tokenizer, self.max_tokens = examples, order, tokenizer, max_tokens
        self.cursor, self.skipped = cursor, 0

    def next(self) -> tuple[list[int], int]:
        while True:
            encoded = encode(self.tokenizer, self.examples[self.order[self.cursor % len(self.order)]], self.max_tokens)
            self.cursor += 1
            if encoded is not None:
                return encoded
            self.skipped += 1


def _resume(checkpoint: Path, model, optimizer, schedule) -> tuple[int, list[float]]:
    """The step and losses where the last run stopped (its adapter, optimizer and schedule restored), or (0, [])."""
    if not checkpoint.exists():
        return 0, []
    import torch
    from peft import set_peft_model_state_dict

    state = torch.load(checkpoint, weights_only=True)
    set_peft_model_state_dict(model, state["adapter"])
    optimizer.load_state_dict(state["optimizer"])
    schedule.load_state_dict(state["schedule"])
    return int(state["step"]), list(state["losses"])


def _save_checkpoint(checkpoint: Path, model, optimizer, schedule, step: int, losses: list[float]) -> None:
    import torch
    from peft.utils import get_peft_model_state_dict

    with replacing(checkpoint) as partial:
        torch.save({"adapter": get_peft_model_state_dict(model), "optimizer": optimizer.state_dict(),
                    "schedule": schedule.state_dict(), "step": step, "losses": losses}, partial)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def export_adapter(adapter: Path, gguf: Path, out: Path, work: Path) -> Path:
    """The peft adapter as a llama.cpp LoRA GGUF (f16) at `out`, written by llama.cpp's own converter from the
    llama-cpp-python source newsqa runs (its version and the sha256 of its source come from the installed build)."""
    import subprocess
    import sys

    base = _base_folder(gguf, work / "base-hf")
    config = json.loads((adapter / "adapter_config.json").read_text())
    config["base_model_name_or_path"] = str(base)
    (adapter / "adapter_config.json").write_text(json.dumps(config, indent=1))
    source = _llama_cpp_source(work / "llama-cpp-source")
    converter = source / "vendor" / "llama.cpp" / "convert_lora_to_gguf.py"
    env = {**os.environ, "PYTHONPATH": str(source / "vendor" / "llama.cpp" / "gguf-py")}
    with replacing(out, suffix=".gguf") as partial:
        done = subprocess.run([sys.executable, str(converter), "--base", str(base), "--outtype", "f16", "--outfile",
                               str(partial), str(adapter)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"llama.cpp's LoRA converter failed: {done.stderr.strip().splitlines()[-1:]}")
    return out


def _base_folder(gguf: Path, folder: Path) -> Path:
    """The de-quantised base model as a plain Hugging Face folder (safetensors, config, tokenizer): the converter
    reads the base's shapes from it. transformers will not `save_pretrained` a model loaded from GGUF."""
    if (folder / "model.safetensors").exists():
        return folder
    from safetensors.torch import save_model

    tokenizer, model = load_base(gguf)
    folder.mkdir(parents=True, exist_ok=True)
    save_model(model, str(folder / "model.safetensors"))
    config = model.config.to_dict()
    config.pop("quantization_config", None)
    config["architectures"] = ["Gemma3ForCausalLM"]
    (folder / "config.json").write_text(json.dumps(config, indent=1, default=str))
    tokenizer.save_pretrained(str(folder))
    return folder


def _llama_cpp_source(folder: Path) -> Path:
    """The unpacked llama-cpp-python source of the installed build, fetched once from the package registry and
    checked against the sha256 the build recorded."""
    import hashlib
    import subprocess
    import sys
    import tarfile
    from importlib.resources import files

    recipe = json.loads((files("llama_cpp") / "newsqa_build.json").read_text())
    version, digest = recipe["version"], recipe["sdist_sha256"]
    source = folder / f"llama_cpp_python-{version}"
    if (source / "vendor" / "llama.cpp" / "convert_lora_to_gguf.py").exists():
        return source
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                    f"llama-cpp-python=={version}", "-d", str(folder)], check=True)
    archive = next(folder.glob(f"llama_cpp_python-{version}.tar.gz"))
    if hashlib.sha256(archive.read_bytes()).hexdigest() != digest:
        raise RuntimeError(f"{archive.name} is not the source the installed llama-cpp-python was built from")
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return source


def balanced(examples: Sequence[ReaderExample], seed: int = 0, unknown_share: float = 0.3) -> list[ReaderExample]:
    """The examples to learn from, shuffled: every answer and option, and "unknown" for at most `unknown_share` of
    the questions' answers (the shown sentences miss the answer for most questions: learnt as often as that, the
    reader would say "unknown" to nearly everything, and whether to answer is the answer scorer's call anyway)."""
    rng = random.Random(seed)
    answers = [e for e in examples if e.kind != "unknown"]
    unknowns = [e for e in examples if e.kind == "unknown"]
    wanted = int(unknown_share / (1 - unknown_share) * sum(1 for e in answers if e.kind == "answer"))
    kept = answers + rng.sample(unknowns, min(len(unknowns), wanted))
    rng.shuffle(kept)
    return kept
