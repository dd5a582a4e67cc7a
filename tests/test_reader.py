"""The fine-tuned reader: its prompt, the examples it learns from, and the models that carry its adapter."""

import json
import random
from dataclasses import replace

import pytest

from ingest import Article, Chunker
from rag.evaluate import EvalQuestion
from rag.learned.models import Models
from rag.llm.prompts import choice_prompt, reader_prompt
from rag.training.reader import balanced
from rag.training.reader_data import ReaderExample, reader_examples

FERRY = Article("ferry-1", "Island ferry returns", published="2026-05-02",
                text="The island ferry returned to service on Friday after six weeks of repairs. "
                     "The operator said the Sea Lark carried 412 passengers on its first day back. "
                     "A second boat joins the route in June.")
ZOO = Article("zoo-1", "Zoo welcomes zebra", text="The city zoo welcomed a baby zebra named Stripe on Monday.")


def chunked(*articles):
    chunker = Chunker(lambda texts: [len(t.split()) for t in texts], max_tokens=60, overlap=10)
    return [(a, chunker.chunk(a)) for a in articles]


def test_the_reader_prompt_is_the_passage_and_the_question_without_examples():
    prompt = reader_prompt("How many passengers did the ferry carry?", [])
    assert prompt == "Passage:\nQuestion: How many passengers did the ferry carry?\nAnswer:"
    assert "Choices: 405; 412; 420\nAnswer:" in choice_prompt("How many?", [], ["405", "412", "420"])


def test_examples_answer_as_the_passage_writes_it_and_say_unknown_when_it_does_not():
    asked = EvalQuestion("q1", "How many passengers did the Sea Lark carry on its first day back?", ("412",), True,
                         choices=("405", "412", "420"), answer_index=(1,))
    examples = list(reader_examples(asked, chunked(FERRY, ZOO), random.Random(0)))
    kinds = [e.kind for e in examples]
    assert kinds.count("choice") == 1 and "answer" in kinds
    answered = next(e for e in examples if e.kind == "answer")
    assert answered.target == " 412" and "412 passengers" in answered.prompt and answered.prompt.endswith("\nAnswer:")
    assert next(e for e in examples if e.kind == "choice").target == " 412"
    unknown = EvalQuestion("q2", "Who captains the Sea Lark?", ("Maria Lopez",), True)
    assert {e.target for e in reader_examples(unknown, chunked(FERRY), random.Random(0))} == {" unknown"}


def test_an_answer_the_best_sentences_miss_is_also_shown_among_them():
    # the question's words are all in other sentences; the answer's sentence shares none of them
    ferry = Article("ferry-2", "Sea Lark ferry", text=(
        "The Sea Lark ferry crossing reopened on Friday. Ferry crossing fares for the Sea Lark stay the same. "
        "The Sea Lark ferry crossing timetable is unchanged. Captain Maria Lopez steered it home."))
    asked = EvalQuestion("q3", "Who is in charge of the Sea Lark ferry crossing?", ("Maria Lopez",), True)
    examples = list(reader_examples(asked, chunked(ferry), random.Random(0)))
    assert examples[0].target == " unknown"  # the best sentences do not hold the answer...
    shown = next(e for e in examples if e.target == " Maria Lopez")  # ...so it is learned with its sentence shown
    assert "Captain Maria Lopez steered it home." in shown.prompt and shown.prompt.count(". ") <= 3


def test_balanced_examples_keep_every_answer_and_few_unknowns():
    examples = [ReaderExample(str(i), kind, "p", " t") for i, kind in
                enumerate(["answer"] * 70 + ["unknown"] * 200 + ["choice"] * 50)]
    kept = balanced(examples, seed=1)
    counts = {k: sum(1 for e in kept if e.kind == k) for k in ("answer", "unknown", "choice")}
    assert counts == {"answer": 70, "unknown": 30, "choice": 50}
    assert [e.kind for e in kept] != sorted(e.kind for e in kept)  # shuffled


def test_models_carry_the_reader_adapter_they_were_shipped_with(tmp_path):
    Models.load().save(tmp_path)
    assert Models.load(tmp_path).reader is None  # models made without a reader: the base model's few-shot prompt
    (tmp_path / "reader.gguf").write_bytes(b"GGUF adapter bytes")
    (tmp_path / "reader.json").write_text(json.dumps({"adapter": "reader.gguf", "prompt": "reader-v1"}))
    reader = Models.load(tmp_path).reader
    assert reader.adapter == tmp_path / "reader.gguf" and len(reader.digest) == 12
    (tmp_path / "reader.json").write_text(json.dumps({"adapter": "reader.gguf", "prompt": "reader-v9"}))
    with pytest.raises(ValueError, match="no usable newsqa models"):
        Models.load(tmp_path)


def test_trees_ship_with_the_reader_whose_drafts_they_learned_from(tmp_path):
    reader_dir = tmp_path / "reader"
    reader_dir.mkdir()
    (reader_dir / "reader.gguf").write_bytes(b"GGUF adapter A")
    (reader_dir / "reader.json").write_text(json.dumps({"adapter": "reader.gguf", "prompt": "reader-v1"}))
    reader = Models.load(_with_reader(tmp_path / "a", reader_dir)).reader
    replace(Models.load(), reader=reader).save(tmp_path / "out")
    saved = Models.load(tmp_path / "out")  # the adapter and its info were copied beside the trees
    assert saved.reader.digest == reader.digest and (tmp_path / "out" / "reader.gguf").read_bytes() == b"GGUF adapter A"
    (tmp_path / "out" / "reader.gguf").write_bytes(b"GGUF adapter B")  # another reader beside those trees
    with pytest.raises(ValueError, match="retrain them"):
        Models.load(tmp_path / "out")


def _with_reader(directory, reader_dir):
    Models.load().save(directory)
    for name in ("reader.gguf", "reader.json"):
        (directory / name).write_bytes((reader_dir / name).read_bytes())
    return directory


@pytest.mark.e2e
def test_a_short_run_resumes_exports_and_the_adapter_reads_in_llama_cpp(tmp_path):
    """The whole reader chain on the real model: LoRA steps in torch, a resumed run, llama.cpp's converter, and the
    adapter applied by the llama.cpp newsqa answers with."""
    from newsqa.settings import Settings
    from rag.llm import embedded_model_path
    from rag.llm.llama import embedded_llm
    from rag.training.reader import export_adapter, fit_reader

    question = EvalQuestion("q9", "How many passengers did the Sea Lark carry?", ("412",), True)
    examples = list(reader_examples(question, chunked(FERRY, ZOO), random.Random(0)))
    models_dir = Settings().models_dir
    gguf = embedded_model_path(models_dir)
    # a large learning rate: two steps must move the model enough to see the adapter in llama.cpp's numbers
    first = fit_reader(examples, gguf, tmp_path, steps=1, accumulation=2, threads=2, learning_rate=0.05)
    again = fit_reader(examples, gguf, tmp_path, steps=2, accumulation=2, threads=2, learning_rate=0.05)
    assert first["resumed_at"] == 0 and again["resumed_at"] == 1
    assert first["loss_last_25"] > 0 and (tmp_path / "adapter" / "adapter_model.safetensors").exists()
    adapter = export_adapter(tmp_path / "adapter", gguf, tmp_path / "reader.gguf", tmp_path)
    assert adapter.stat().st_size > 1_000_000  # every linear layer's A and B, in f16
    prompt = reader_prompt(question.question, [])
    adapted, base = embedded_llm(models_dir, n_ctx=512, lora=adapter), embedded_llm(models_dir, n_ctx=512)
    assert isinstance(adapted.invoke(prompt), str)
    # the adapter reads in the context newsqa answers and judges with (it replaces llama-cpp-python's first one)
    assert adapted.logprobs(prompt, [" 412"]) != base.logprobs(prompt, [" 412"])
