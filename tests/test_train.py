"""`newsqa train` on a small invented news world: periods, stores, the three models, validation, and the
models it writes being the ones newsqa then answers with."""

import json
import random
from dataclasses import replace
from datetime import date, timedelta

import chromadb
import click
import pytest
from chromadb.config import Settings as ChromaSettings
from click.testing import CliRunner

from ingest import Chunker
from newsqa import ConfigError
from newsqa.app import Services, open_qa
from rag.answer.choices import CHOICE_FEATURES
from rag.answer.scoring import CANDIDATE_FEATURES
from rag.evaluate import read_questions
from rag.learned.judge import Judge
from rag.learned.models import Models
from rag.retrieval.features import PASSAGE_FEATURES
from rag.training.periods import TrainConfig, split_periods
from rag.training.pipeline import train
from ui.cli import cli

from .conftest import FakeEmbeddings, fake_llm, judging_llm

TOWNS = ["Riverton", "Lakeside", "Hillcrest", "Brookfield", "Fairhaven", "Oakridge"]
EVENTS = ["jazz festival", "kite fair", "cheese market", "lantern parade", "film week", "chili contest"]
MAYORS = ["Ellen Park", "Tom Reyes", "Ana Silva", "Raj Patel", "Mia Chen", "Omar Haddad"]


def world(weeks: int = 5) -> tuple[list[dict], list[dict]]:
    """Articles and quiz questions, one town event per article, a few questions with no answer in them."""
    rng = random.Random(7)
    articles, questions = [], []
    start = date(2024, 1, 5)
    for week in range(weeks):
        day = start + timedelta(weeks=week)
        for i, (town, event, mayor) in enumerate(zip(TOWNS, EVENTS, MAYORS)):
            visitors = 1000 + 37 * week + 101 * i
            article_id = f"w{week}-{town.lower()}"
            articles.append({
                "id": article_id, "title": f"{town} {event} draws crowds", "published": day.isoformat(),
                "text": f"The {town} {event} drew {visitors} visitors on Saturday, organisers said. Mayor {mayor} "
                        f"opened the event and thanked volunteers. Parking was free all weekend in {town}."})
            wrong = rng.sample([visitors + d for d in (-300, -120, 150, 420)], 3)
            choices = sorted([str(visitors)] + [str(w) for w in wrong])
            questions.append({
                "id": f"{week}-{i}", "question": f"How many visitors did the {town} {event} draw?",
                "answers": [str(visitors)], "choices": choices, "answer_index": [choices.index(str(visitors))],
                "date": (day + timedelta(days=2)).isoformat(), "results": [article_id], "answer_in_results": True})
        questions.append({
            "id": f"{week}-none", "question": "How many boats sank in the Riverton harbour storm?", "answers": ["12"],
            "choices": ["3", "7", "12", "20"], "answer_index": [2], "date": (day + timedelta(days=2)).isoformat(),
            "results": [f"w{week}-riverton"], "answer_in_results": False})
    return articles, questions


@pytest.fixture
def small_world(tmp_path):
    articles, questions = world()
    (tmp_path / "corpus.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    (tmp_path / "questions.jsonl").write_text("".join(json.dumps(q) + "\n" for q in questions))
    return tmp_path


def test_periods_follow_the_question_dates(small_world):
    questions, errors = read_questions(small_world / "questions.jsonl")
    assert not errors
    periods = split_periods(questions, weeks=2)
    assert [len(p.questions) for p in periods] == [14, 14, 7]
    assert all(p.start <= q.asked_on for p in periods for q in p.questions)


def test_training_learns_three_models_and_validates_them(small_world, tmp_path):
    questions, _ = read_questions(small_world / "questions.jsonl")
    embeddings = FakeEmbeddings()
    client = chromadb.PersistentClient(path=str(tmp_path / "cache"), settings=ChromaSettings(anonymized_telemetry=False))
    stages = []
    trained = train(questions, [small_world / "corpus.jsonl"], client=client, embeddings=embeddings,
                    chunker=Chunker(embeddings.count_tokens, 60, 10), config=TrainConfig(weeks=1, folds=2),
                    progress=lambda stage, done, total: stages.append(stage))
    models, report = trained.models, trained.report
    assert models.ranker.features == PASSAGE_FEATURES and models.answers.features == CANDIDATE_FEATURES
    assert models.choices.features == CHOICE_FEATURES and 0 <= models.threshold <= 1
    assert models.kinds == {"number": ["number"]}  # every right answer in this world is a count
    assert report["training"]["questions"] == 28 and len(report["training"]["periods"]) == 4
    validation = report["validation"]
    assert validation["questions"] == 7 and validation["in_corpus"] == 6
    assert validation["recall_at_5_in_corpus"]["ranker"] == 100.0  # one article per town and week: easy
    assert validation["answer_in_corpus"]["contains"] >= 50
    assert {"embedding articles", "retrieving", "answering", "cross-fitting", "validating"} <= set(stages)
    assert set(report["features"]["ranker"]) <= set(PASSAGE_FEATURES)
    again = train(questions, [small_world / "corpus.jsonl"], client=client, embeddings=embeddings,
                  chunker=Chunker(embeddings.count_tokens, 60, 10), config=TrainConfig(weeks=1, folds=2))
    assert again.models.threshold == models.threshold  # same seed, cached stores: the same models
    assert again.models.ranker.trees == models.ranker.trees and again.models.answers.trees == models.answers.trees


def test_the_command_writes_models_newsqa_answers_with(small_world, tmp_path, settings, monkeypatch):
    services = Services(settings, embeddings=FakeEmbeddings(), llm=fake_llm(" 1000"))
    out = tmp_path / "models"
    result = CliRunner().invoke(cli, ["train", str(small_world / "questions.jsonl"), "--corpus",
                                      str(small_world / "corpus.jsonl"), "--out", str(out), "--weeks", "1"], obj=services)
    assert result.exit_code == 0, result.output
    assert "trained on 28 questions" in result.output and "validation (7 questions" in result.output
    assert "multiple choice, out of fold:" in result.output
    assert json.loads((out / "report.json").read_text())["training"]["questions"] == 28
    models = Models.load(out)
    qa = open_qa(settings.with_(learned_models=out), store=services.store, embeddings=services.embeddings,
                          llm=fake_llm(" 1000"))
    assert qa.models.threshold == models.threshold and qa.retriever.ranker.trees == models.ranker.trees


def test_unusable_model_directories_are_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="no usable newsqa models in .*make them with `newsqa train`"):
        Models.load(tmp_path)


def test_cached_examples_are_keyed_by_the_code_that_drafts_them_too(small_world, tmp_path, monkeypatch):
    from rag.training import examples as training

    periods = split_periods(read_questions(small_world / "questions.jsonl")[0], 1)
    before = training.ExampleCache(tmp_path, periods, TrainConfig(weeks=1), drafts=True).key
    root = tmp_path / "package"
    for name in ("rag/llm/prompts.py", "ingest/store.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("EVIDENCE_SENTENCES = 3\n")
    monkeypatch.setattr(training, "__file__", str(root / "rag" / "training" / "examples.py"))
    keys = [training.ExampleCache(tmp_path, periods, TrainConfig(weeks=1), drafts=True).key]
    (root / "rag" / "llm" / "prompts.py").write_text("EVIDENCE_SENTENCES = 2\n")  # another draft prompt: other drafts
    keys.append(training.ExampleCache(tmp_path, periods, TrainConfig(weeks=1), drafts=True).key)
    assert len({before, *keys}) == 3


def test_training_with_an_llm_that_judges_reports_what_the_judge_would_do(small_world, tmp_path):
    questions, _ = read_questions(small_world / "questions.jsonl")
    embeddings = FakeEmbeddings()
    client = chromadb.PersistentClient(path=str(tmp_path / "cache"), settings=ChromaSettings(anonymized_telemetry=False))
    run = {"client": client, "embeddings": embeddings, "chunker": Chunker(embeddings.count_tokens, 60, 10),
           "config": TrainConfig(weeks=1, folds=2), "drafts_path": tmp_path / "drafts.json"}
    trained = train(questions, [small_world / "corpus.jsonl"], llm=judging_llm("1000", " 1000"), **run)
    judged = trained.report["judge"]["cross_fitted"]
    assert judged["questions"] == 24 and len(judged["tried"]) == 20  # the in-corpus questions with a candidate
    # One count per article: the scorer's best span is the only one, and no judge can beat it.
    assert judged["scorer_right"] == judged["judge_right"] == 24 and trained.models.judge is None
    assert train(questions, [small_world / "corpus.jsonl"], **run).report["judge"]["candidates"] is None  # no LLM


def test_models_keep_their_judge_and_older_models_have_none(tmp_path):
    judged = replace(Models.load(), judge=Judge(4, 0.5))
    judged.save(tmp_path / "judged")
    assert Models.load(tmp_path / "judged").judge == Judge(4, 0.5)
    replace(judged, judge=None).save(tmp_path / "unjudged")
    assert Models.load(tmp_path / "unjudged").judge is None
    (tmp_path / "judged" / "judge.json").unlink()  # a directory made before judging
    assert Models.load(tmp_path / "judged").judge is None


def test_training_without_scikit_learn_names_the_extra_to_install(small_world, tmp_path, settings):
    from ui.training import require_training_packages

    with pytest.raises(click.ClickException, match=r"needs scikit-learn.*pip install 'newsqa\[train\]'"):
        require_training_packages(find=lambda module: None)
    require_training_packages()  # make test installs the extra


def test_the_example_cache_is_data_and_a_planted_pickle_never_runs(small_world, tmp_path, caplog):
    """The cached pools and candidates are JSON records; pickles where the old cache lived, or a pickle where the
    JSON lives, are never unpickled: the examples are made again (with a warning for the damaged file)."""
    import pickle

    questions, _ = read_questions(small_world / "questions.jsonl")
    embeddings = FakeEmbeddings()
    client = chromadb.PersistentClient(path=str(tmp_path / "stores"), settings=ChromaSettings(anonymized_telemetry=False))
    run = {"client": client, "embeddings": embeddings, "chunker": Chunker(embeddings.count_tokens, 60, 10),
           "config": TrainConfig(weeks=1, folds=2), "examples_dir": tmp_path / "cache"}
    first = train(questions, [small_world / "corpus.jsonl"], **run)
    kept = sorted((tmp_path / "cache").iterdir())
    assert kept and all(p.suffix == ".json" for p in kept)
    assert all(json.loads(p.read_bytes())["format"] == "newsqa-records-1" for p in kept)

    marker = tmp_path / "pwned"
    payload = pickle.dumps(Exploit(str(marker)))
    for path in kept:
        path.with_suffix(".pickle").write_bytes(payload)  # where the old cache lived
    kept[0].write_bytes(payload)  # and a tampered cache file
    with caplog.at_level("WARNING", logger="newsqa.train"):
        again = train(questions, [small_world / "corpus.jsonl"], **run)
    assert not marker.exists()
    assert any("unreadable" in r.message and kept[0].name in r.message for r in caplog.records)
    assert again.models.ranker.trees == first.models.ranker.trees and again.models.threshold == first.models.threshold
    assert json.loads(kept[0].read_bytes())["format"] == "newsqa-records-1"  # made again as data


class Exploit:
    """What a hostile pickle does when loaded: run a command (here, create a file)."""

    def __init__(self, path: str):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_cached_examples_are_keyed_by_the_llm_that_drafts_them(small_world, tmp_path):
    from rag.training import examples as training

    periods = split_periods(read_questions(small_world / "questions.jsonl")[0], 1)
    keys = {name: training.ExampleCache(tmp_path, periods, TrainConfig(weeks=1), drafts=name).key
            for name in (True, "embedded", "embedded reader 0123456789ab", False)}
    assert keys[True] == keys["embedded"]  # the base model: as before
    assert len({keys[True], keys["embedded reader 0123456789ab"], keys[False]}) == 3


def test_a_sentence_model_no_better_than_the_hand_weighted_ranking_is_not_kept(monkeypatch):
    """Explanations rank by the hand-weighted score when the models carry no sentence model, so a model is kept only
    when it beats that (not the evidence order, which explanations never use)."""
    import rag.training.fit as fit
    from rag.answer.sentences import SENTENCE_FEATURES

    column = {f: i for i, f in enumerate(SENTENCE_FEATURES)}
    rows, labels, groups = [], [], []
    for question in range(40):  # the answering sentence comes last in the evidence and says most of what is asked
        for rank in range(4):
            row = [0.0] * len(SENTENCE_FEATURES)
            row[column["rank"]], row[column["told"]] = rank, 0.9 if rank == 3 else 0.1 * rank
            rows.append(row)
            labels.append(int(rank == 3))
            groups.append(question)
    monkeypatch.setattr(fit, "sentence_examples", lambda answering: (rows, labels, groups))
    model, report = fit.fit_sentences([])
    shares = report["best_sentence_holds_answer"]
    assert shares["hand_weighted"] == 100.0 and shares["evidence_order"] == 0.0
    assert model is None and report["kept"] is None
