"""`newsqa train`: learn the passage ranker, the answer scorer, abstention and multiple choice from a
question set and its articles.

The questions are cut into periods of a few weeks (by their `date`); each period's articles (the
questions' `results` when the set lists them, else the corpus articles published in the period)
go into a store of their own, as `newsqa eval` would build it, and every question is answered
against its period's store as of its own date. The last periods are held out for validation.
Stores are cached, so a second run only retrains.
"""

import hashlib
import inspect
import itertools
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from ingest.lexical import LexicalIndex
from ingest.loaders import iter_articles
from ingest.pipeline import Ingestor
from ingest.store import ArticleStore, ExactStore, Hit
from ingest.types import Article

from newsqa.files import write_atomically

from .answers import CANDIDATE_FEATURES, learn_kinds
from .candidates import Candidate, answer_type, display_text
from .choices import CHOICE_FEATURES, READER_FEATURES, choice_rows
from .evaluate import EvalQuestion, aggregate, score_question
from .evidence import Evidence
from .features import PASSAGE_FEATURES, Asked, PoolEntry, passage_rows
from .gbm import Trees
from .judge import CANDIDATES as JUDGED
from .judge import Judge, Judging, continuation, fit_judge
from .linear import Linear
from .llm import GenerationLLM
from .metrics import contains
from .models import Models
from .qa import QA, drafted_answer, short_answer, shown
from .records import Records
from .sentences import SENTENCE_FEATURES, SENTENCE_POOL, sentence_rows
from .retrieve import Retriever, collapse, reciprocal_rank_fusion
from .terms import key_terms
from .text import words

__all__ = ["Period", "TrainConfig", "build_stores", "choose_periods", "load_pools", "split_periods"]

log = logging.getLogger("newsqa.train")
Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class TrainConfig:
    """How much to learn from: periods of `weeks` weeks, at most `max_articles` articles embedded."""

    weeks: int = 4
    max_articles: int = 4000
    validation_share: float = 0.2
    folds: int = 4
    max_false_abstention: float = 0.10
    seed: int = 0


@dataclass
class Period:
    """Consecutive weeks of questions and the articles they are answered from."""

    start: date | None
    questions: list[EvalQuestion]
    article_ids: set[str] = field(default_factory=set)

    @property
    def name(self) -> str:
        """A stable name: the start date and a hash of the question ids."""
        digest = hashlib.sha256("\n".join(sorted(q.id for q in self.questions)).encode()).hexdigest()[:8]
        return f"{self.start.isoformat() if self.start else 'undated'}-{digest}"


def split_periods(questions: Sequence[EvalQuestion], weeks: int) -> list[Period]:
    """The questions cut into periods of `weeks` weeks by date, oldest first (undated ones: one period).

    >>> qs = [EvalQuestion(str(i), "q?", ("a",), True, fields={"date": d})
    ...       for i, d in enumerate(["2024-01-03", "2024-01-20", "2024-02-10", "2024-03-01"])]
    >>> [(p.start.isoformat(), [q.id for q in p.questions]) for p in split_periods(qs, weeks=4)]
    [('2024-01-03', ['0', '1']), ('2024-01-31', ['2']), ('2024-02-28', ['3'])]
    """
    dated = sorted((q for q in questions if q.asked_on), key=lambda q: q.asked_on)
    periods: list[Period] = []
    for question in dated:
        day = question.asked_on
        if not periods or day >= periods[-1].start + timedelta(weeks=weeks):
            start = periods[-1].start + timedelta(weeks=weeks) if periods else day
            while day >= start + timedelta(weeks=weeks):
                start += timedelta(weeks=weeks)
            periods.append(Period(start, []))
        periods[-1].questions.append(question)
    undated = [q for q in questions if not q.asked_on]
    return periods + ([Period(None, undated)] if undated else [])


def choose_periods(periods: Sequence[Period], sizes: dict[str, int], config: TrainConfig) -> tuple[list[Period], list[Period]]:
    """(training, validation) periods within the article budget: spread over the whole time range
    (a seeded shuffle), the latest chosen ones held out for validation."""
    order = list(periods)
    random.Random(config.seed).shuffle(order)
    chosen, total = [], 0
    for period in order:
        if chosen and total + sizes[period.name] > config.max_articles:
            continue
        chosen.append(period)
        total += sizes[period.name]
    chosen.sort(key=lambda p: p.start or date.max)
    held = max(1, round(config.validation_share * len(chosen))) if len(chosen) > 1 else 0
    return chosen[:len(chosen) - held], chosen[len(chosen) - held:]


def assign_articles(periods: Sequence[Period], corpus: Iterable[Article], weeks: int) -> None:
    """Fill each period's article ids: its questions' `results`, or else the corpus articles
    published from four weeks before the period to one week after it."""
    listed = any(q.fields.get("results") for p in periods for q in p.questions)
    if listed:
        for period in periods:
            period.article_ids = {str(i) for q in period.questions for i in q.fields.get("results") or ()}
        return
    articles = list(corpus)
    for period in periods:
        if period.start is None:
            period.article_ids = {a.id for a in articles}
            continue
        first, last = period.start - timedelta(weeks=4), period.start + timedelta(weeks=weeks + 1)
        period.article_ids = {a.id for a in articles if not a.published or first <= _day(a.published) <= last}


def load_pools(periods: Sequence[Period], corpus_paths: Sequence, weeks: int) -> dict[str, list[Article]]:
    """The articles of each period, read once from the corpus files (line by line)."""
    corpus = (item for item in iter_articles(corpus_paths) if isinstance(item, Article))
    listed = any(q.fields.get("results") for p in periods for q in p.questions)
    if not listed:
        articles = list(corpus)
        assign_articles(periods, articles, weeks)
        by_id = {a.id: a for a in articles}
    else:
        assign_articles(periods, (), weeks)
        wanted = set().union(*(p.article_ids for p in periods))
        by_id = {a.id: a for a in corpus if a.id in wanted}
    return {p.name: [by_id[i] for i in sorted(p.article_ids) if i in by_id] for p in periods}


# The training runs the held-out slice stays out of: --max-articles of the README's command and of the larger run it
# was compared with; and EXTRA_PERIODS more periods no run uses, drawn with EXTRA_SEED (bench/heldout.py: H and B).
BUDGETS = (4000, 8000)
EXTRA_PERIODS, EXTRA_SEED = 5, 1


def held_out_periods(periods, config_for) -> tuple[list[str], list[str]]:
    """The names of H (validation periods of the larger run that no run trains on) and B (EXTRA_PERIODS more
    periods that no run uses, shuffled with EXTRA_SEED), given the periods and a TrainConfig maker."""
    sizes = {p.name: len(p.article_ids) for p in periods}
    runs = {budget: choose_periods(periods, sizes, config_for(budget)) for budget in BUDGETS}
    trained = {p.name for training, _ in runs.values() for p in training}
    h = [p.name for p in runs[max(BUDGETS)][1] if p.name not in trained]
    used = trained | {p.name for _, validation in runs.values() for p in validation}
    free = sorted(p.name for p in periods if p.name not in used)
    random.Random(EXTRA_SEED).shuffle(free)
    return h, free[:EXTRA_PERIODS]


def tree_periods(periods, config_for) -> set[str]:
    """The names of the periods the tree runs of BUDGETS train or validate on."""
    sizes = {p.name: len(p.article_ids) for p in periods}
    runs = [choose_periods(periods, sizes, config_for(budget)) for budget in BUDGETS]
    return {p.name for training, validation in runs for p in training + validation}


def build_stores(client, embeddings, chunker, periods: Sequence[Period], pools: dict[str, list[Article]],
                 progress: Progress | None = None) -> dict[str, ArticleStore]:
    """Each period's articles in a collection of their own (idempotent: a cached store costs nothing)."""
    stores, total = {}, sum(len(pools[p.name]) for p in periods)
    done = 0
    for period in periods:
        store = ExactStore(client, f"train-{period.name}")  # the same pools in every run

        def counted(event: str, amount: int) -> None:
            nonlocal done
            if event == "article":
                done += amount
                if progress:
                    progress("embedding articles", done, total)
        Ingestor(store, embeddings, chunker).ingest(pools[period.name], counted, prune=True)
        stores[period.name] = store
    return stores


def _day(published: str) -> date:
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return date.min


@dataclass
class Asking:
    """One training question answered against its period's store: its passage pool and labels."""

    question: EvalQuestion
    asked: Asked
    vector: list[float]
    pool: list[PoolEntry]
    rows: list[list[float]]
    labels: list[int]  # 1: the passage holds an accepted answer

    @property
    def in_corpus(self) -> bool:
        """Whether an accepted answer is in the articles (the set's own flag where it has one)."""
        flag = self.question.fields.get("answer_in_results", self.question.fields.get("answer_in_corpus"))
        return bool(flag) if flag is not None else any(self.labels)


def passage_examples(retriever: Retriever, questions: Sequence[EvalQuestion],
                     progress: Progress | None = None) -> list[Asking]:
    """Each question's passage pool from `retriever`, as of its date, with features and labels."""
    found = []
    for done, question in enumerate(questions, start=1):
        asked = Asked.of(question.question, question.asked_on)
        vector = retriever.embeddings.embed_query(question.question)
        pool = retriever.pool(question.question, vector)
        labels = [int(contains(e.hit.text, question.answers) > 0) for e in pool]
        found.append(Asking(question, asked, vector, pool, passage_rows(asked, pool, retriever.pool_size), labels))
        if progress:
            progress("retrieving", done, len(questions))
    return found


def recall_at(examples: Sequence[Asking], order: Callable[[Asking], list[Hit]], k: int = 5,
              per_article: int = 2) -> float:
    """Share of the in-corpus questions with an accepted answer in the top k (after `collapse`)."""
    wanted = [e for e in examples if e.in_corpus]
    found = 0
    for example in wanted:
        top = collapse(order(example), per_article)[:k]
        found += any(contains(h.text, example.question.answers) for h in top)
    return round(100 * found / len(wanted), 1) if wanted else 0.0


def by_dense(example: Asking) -> list[Hit]:
    return [e.hit for e in sorted(example.pool, key=lambda e: e.dense_rank or 10**9) if e.dense_rank]


def by_bm25(example: Asking) -> list[Hit]:
    return [e.hit for e in sorted(example.pool, key=lambda e: e.bm25_rank or 10**9) if e.bm25_rank]


def by_fusion(example: Asking) -> list[Hit]:
    by_id = {e.hit.chunk_id: e.hit for e in example.pool}
    order = reciprocal_rank_fusion([h.chunk_id for h in by_dense(example)], [h.chunk_id for h in by_bm25(example)])
    return [by_id[i] for i in order]


def by_ranker(ranker: Trees) -> Callable[[Asking], list[Hit]]:
    def order(example: Asking) -> list[Hit]:
        scores = ranker.probability(example.rows) if example.rows else []
        return [example.pool[i].hit for i in sorted(range(len(example.pool)), key=lambda i: -scores[i])]
    return order


def fit_ranker(examples: Sequence[Asking], seed: int = 0) -> Trees:
    """The passage ranker: P(passage holds the answer) from PASSAGE_FEATURES. Questions whose answer
    is in no pooled passage teach nothing; those where most passages hold it (a common word) only noise."""
    rows, labels = [], []
    for example in examples:
        share = sum(example.labels) / len(example.labels) if example.labels else 0
        if 0 < share <= 0.5:
            rows += example.rows
            labels += example.labels
    return Trees.fit(rows, labels, PASSAGE_FEATURES, seed=seed)


@dataclass
class Answering:
    """One question taken through the answer step with a given ranker: its candidates' rows and labels."""

    asking: Asking
    ranked: list[Hit]
    hits: list[Hit]
    evidence: list
    draft: str
    pool: list
    rows: list[list[float]]
    labels: list[int]


def answer_examples(qa: QA, askings: Sequence[Asking], *, drafts: bool = True,
                    progress: Progress | None = None) -> list[Answering]:
    """Each question's candidates, from the top passages of `ranker`, with features and labels
    (1: the span is an accepted answer, no more than two words longer than it)."""
    found = []
    for done, asking in enumerate(askings, start=1):
        question = asking.question.question
        ranked = qa.retriever.rank(asking.asked, asking.pool) if asking.pool else []
        hits = qa.retriever.top(ranked)
        evidence = qa.evidence(question, hits, asking.vector)
        draft = ""
        if drafts and evidence:
            draft = qa.llm.generate(qa.llm.prompt(question, evidence), stop=["\n"])
        pool, rows = qa.candidates(question, evidence, draft)
        labels = [int(_is_answer(display_text(c), asking.question.answers)) for c in pool]
        found.append(Answering(asking, ranked, hits, evidence, draft, pool, rows, labels))
        if progress:
            progress("answering", done, len(askings))
    return found


def _is_answer(text: str, golds: Sequence[str]) -> bool:
    """The span holds an accepted answer and is not much longer than it.

    >>> _is_answer("more than 100", ["100"]), _is_answer("the 100 prisoners held in the northern city", ["100"])
    (True, False)
    """
    size = len(words(text))
    return any(contains(text, [g]) and size <= len(words(g)) + 2 for g in golds)


@dataclass
class Trained:
    """What `train` made: the models and a report of what they learned and how they validated."""

    models: Models
    report: dict


def train(questions: Sequence[EvalQuestion], corpus_paths: Sequence, *, client, embeddings, chunker, llm=None,
          config: TrainConfig = TrainConfig(), progress: Progress | None = None, drafts_path=None,
          examples_dir=None) -> Trained:
    """Learn the ranker, the answer scorer, its abstention threshold and the multiple-choice model
    (`drafts_path`: a JSON file that keeps the LLM's drafts between runs; `examples_dir`: where the
    retrieved pools and candidates are kept, so a rerun with the same periods and features only refits)."""
    started = time.perf_counter()
    drafting = DraftCache(llm, drafts_path) if llm is not None else None
    periods = split_periods(questions, config.weeks)
    pools = load_pools(periods, corpus_paths, config.weeks)
    training, validation = choose_periods(periods, {p.name: len(pools[p.name]) for p in periods}, config)
    if not training:
        raise ValueError("training needs questions from at least two periods of the set")
    stores = build_stores(client, embeddings, chunker, training + validation, pools, progress)
    plain = {p.name: Retriever(stores[p.name], embeddings, lexical=LexicalIndex()) for p in training + validation}
    folds = _folds(training, config.folds)
    examples = _ExampleCache(examples_dir, training + validation, config, llm.name if llm is not None else False)
    askings = examples.get("askings") or {p.name: passage_examples(plain[p.name], p.questions, progress)
                                          for p in training + validation}
    examples.put("askings", askings)

    def qa_for(period: Period, ranker: Trees, answers=None, choices=None, threshold=0.5, kinds=None, judge=None) -> QA:
        retriever = Retriever(stores[period.name], embeddings, lexical=plain[period.name].lexical, ranker=ranker)
        return QA(retriever, drafting or _NoLLM(), Models(ranker, answers, choices, threshold, kinds, judge=judge))

    train_askings = [a for p in training for a in askings[p.name]]
    ranker = fit_ranker(train_askings, config.seed)
    fold_rankers = {index: fit_ranker([a for p in training if p not in fold for a in askings[p.name]], config.seed)
                    for index, fold in enumerate(folds)}
    answering: dict[str, list[Answering]] = examples.get("answering") or {}
    for index, fold in enumerate(folds):
        for period in fold:
            if period.name not in answering:
                answering[period.name] = answer_examples(qa_for(period, fold_rankers[index]), askings[period.name],
                                                         drafts=llm is not None, progress=progress)
    examples.put("answering", answering)
    if drafting:
        drafting.save()
    all_answering = [a for p in training for a in answering[p.name]]
    answers = fit_answers(all_answering, config.seed)
    sentences, sentence_report = fit_sentences(all_answering, config.folds, config.seed)
    kinds = learn_kinds([(answer_type(item.asking.question.question), c.kind, bool(label))
                         for item in all_answering for c, label in zip(item.pool, item.labels)])
    judgings = []
    choice_code = json.dumps(CHOICE_FEATURES) + Path(__file__).with_name("choices.py").read_text()
    choice_name = "choices-" + hashlib.sha256(choice_code.encode()).hexdigest()[:8]
    quizzes = examples.get(choice_name)
    computed = quizzes is None
    quizzes = quizzes or [[] for _ in folds]  # per fold: each question's (rows, labels)
    for index, fold in enumerate(folds):
        fold_answers = fit_answers([a for p in training if p not in fold for a in answering[p.name]], config.seed)
        for period in fold:
            qa = qa_for(period, fold_rankers[index], fold_answers, kinds=kinds)
            for item in answering[period.name]:
                judgings.append(_judging(qa, item))
                if computed:
                    quizzes[index].append(_choice_examples(qa, item))
        if progress:
            progress("cross-fitting", index + 1, len(folds))
    examples.put(choice_name, quizzes)
    judge, judge_report = fit_judge(judgings) if drafting is not None and drafting.judges else (None, None)
    tops = [_decision(item, judge) for item in judgings]
    threshold = fit_threshold(tops, config.max_false_abstention)
    choices, choice_report = fit_choices(quizzes, config.seed)
    mc_rows = [row for fold in quizzes for rows, _ in fold for row in rows]
    models = Models(ranker, answers, choices, threshold, kinds, judge=judge, sentences=sentences)
    report = {
        "config": {**asdict(config)},
        "training": {"periods": [p.name for p in training], "questions": len(train_askings),
                     "articles": sum(len(pools[p.name]) for p in training),
                     "passage_rows": sum(len(a.rows) for a in train_askings),
                     "candidate_rows": sum(len(a.rows) for a in all_answering), "choice_rows": len(mc_rows)},
        "threshold": round(threshold, 4),
        "kinds_by_question_type": kinds,
        "cross_fitted": _decision_summary(tops, threshold),
        "judge": {**(judge.as_dict() if judge else {"candidates": None}), "cross_fitted": judge_report},
        "multiple_choice_cross_fitted": choice_report,
        "sentences_cross_fitted": sentence_report,
        "features": {"ranker": top_features(ranker), "answers": top_features(answers), "choices": top_features(choices),
                     **({"sentences": top_features(sentences)} if sentences else {})},
    }
    if validation:
        report["validation"] = validate(models, [a for p in validation for a in askings[p.name]],
                                        {p.name: qa_for(p, ranker, answers, choices, threshold, kinds, judge)
                                         for p in validation},
                                        {q.id: p.name for p in validation for q in p.questions}, progress)
    if drafting:
        drafting.save()
    report["seconds"] = round(time.perf_counter() - started)
    models = Models(ranker, answers, choices, threshold, kinds, info={"training": report}, judge=judge,
                    sentences=sentences)
    return Trained(models, report)


# The code that makes the cached examples, from the package root: every module of rag/ (the draft prompt,
# the key terms and the text helpers as much as the features) and the store's search settings, BM25 and
# the sentence splitter, which make the pools and the evidence.
_EXAMPLE_CODE = ("rag/*.py", "ingest/store.py", "ingest/lexical.py", "ingest/chunk.py")


class _ExampleCache:
    """The training examples as JSON records (data, never code), keyed by what they depend on (periods,
    settings, the code). A damaged file is made again, with a warning."""

    def __init__(self, directory, periods: Sequence[Period], config: TrainConfig, drafts: bool | str):
        """`drafts`: which LLM drafts (its name: another one, such as a fine-tuned reader, makes other examples), or
        False for none."""
        root = Path(__file__).resolve().parent.parent
        files = sorted(f for pattern in _EXAMPLE_CODE for f in root.glob(pattern))
        code = "".join(f.read_text() for f in files)  # newer code: new examples
        drafted = True if drafts is True or drafts == "embedded" else drafts  # the base model keeps its old key
        key = json.dumps([[p.name for p in periods], drafted, config.folds, config.seed, code])
        self.directory = directory
        self.key = hashlib.sha256(key.encode()).hexdigest()[:12]

    def _path(self, name: str):
        return self.directory / f"{name}-{self.key}.json" if self.directory is not None else None

    def get(self, name: str):
        path = self._path(name)
        if path is None or not path.exists():
            return None
        try:
            return _RECORDS.loads(path.read_bytes())
        except (OSError, ValueError) as exc:
            log.warning("training cache %s unreadable (%s); making it again", path, exc)
            return None

    def put(self, name: str, value) -> None:
        path = self._path(name)
        if path is not None:
            write_atomically(path, _RECORDS.dumps(value))


_RECORDS = Records([Asking, Answering, EvalQuestion, Asked, PoolEntry, Hit, Evidence, Candidate])


class DraftCache(GenerationLLM):
    """The LLM's drafts (and its judgements of candidates) kept in a JSON file by model and prompt, so a second
    training run does not redraft."""

    def __init__(self, llm: GenerationLLM, path=None):
        super().__init__(None, name=f"cached {llm.name}", prompt=llm.prompt)
        self.llm, self.path = llm, path
        # Which model drafted: drafts of another model (or of the same weights run differently, or with another
        # adapter: its name carries the adapter's digest) are not reused.
        self.drafter = type(llm.runnable).__name__ if llm.runnable is not None else llm.name
        if "reader" in llm.name:
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

    def generate(self, prompt: str, stop=None, max_tokens=None) -> str:
        key = hashlib.sha256(json.dumps([self.drafter, prompt, stop]).encode()).hexdigest()
        if key not in self.drafts:
            self.drafts[key] = self.llm.generate(prompt, stop=stop)
        return self.drafts[key]

    def stream(self, prompt: str, stop=None, max_tokens=None):
        yield self.generate(prompt, stop)

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


class _NoLLM(GenerationLLM):
    """Training without an LLM: no drafts (the draft-agreement feature stays 0)."""

    def __init__(self):
        super().__init__(None, name="none")

    def generate(self, prompt: str, stop=None, max_tokens=None) -> str:
        return ""

    def stream(self, prompt: str, stop=None, max_tokens=None):
        return iter(())


def _folds(periods: Sequence[Period], count: int) -> list[list[Period]]:
    """The training periods dealt into `count` folds (round robin over time)."""
    count = max(2, min(count, len(periods)))
    return [list(periods[i::count]) for i in range(count)]


def sentence_examples(answering: Sequence[Answering]) -> tuple[list[list[float]], list[int], list[int]]:
    """Rows of SENTENCE_FEATURES, labels (1: the sentence holds an accepted answer) and each row's question number,
    from the questions whose answer is in some evidence sentence but not in all of them."""
    rows, labels, groups = [], [], []
    for number, item in enumerate(answering):
        evidence = item.evidence[:SENTENCE_POOL]
        found = [int(contains(e.text, item.asking.question.answers) > 0) for e in evidence]
        if not 0 < sum(found) < len(found):
            continue
        names = frozenset(w for name in key_terms(item.asking.question.question).names for w in name)
        rows += sentence_rows(item.asking.question.question, evidence, names)
        labels += found
        groups += [number] * len(found)
    return rows, labels, groups


def fit_sentences(answering: Sequence[Answering], folds: int = 4, seed: int = 0) -> tuple[Trees | Linear | None, dict]:
    """The sentence model: P(sentence holds the answer) from SENTENCE_FEATURES, a logistic regression or trees,
    whichever puts a sentence that holds the answer first more often, cross-fitted over `folds` groups of questions;
    None when neither does so more often than the evidence order itself (explanations then keep that order). The
    report has each way's share, beside the hand-weighted score explanations used before (overlap, similarity,
    what is asked)."""
    rows, labels, groups = sentence_examples(answering)
    questions = sorted(set(groups))
    if len(questions) < 2 * folds:  # too few to fit and check
        return None, {"questions": len(questions)}
    columns = {f: i for i, f in enumerate(SENTENCE_FEATURES)}
    fitters = {"linear": lambda r, y: Linear.fit(r, y, SENTENCE_FEATURES, strength=1.0),
               "trees": lambda r, y: Trees.fit(r, y, SENTENCE_FEATURES, seed=seed, trees=200)}
    right = dict.fromkeys([*fitters, "hand_weighted", "evidence_order"], 0)
    for fold in range(folds):
        held = set(questions[fold::folds])
        train_rows = [r for r, g in zip(rows, groups) if g not in held]
        train_labels = [y for y, g in zip(labels, groups) if g not in held]
        models = {name: fit(train_rows, train_labels) for name, fit in fitters.items()}
        for question in held:
            indexes = [i for i, g in enumerate(groups) if g == question]
            scores = {name: model.probability([rows[i] for i in indexes]) for name, model in models.items()}
            scores["hand_weighted"] = [rows[i][columns["told"]] + rows[i][columns["similarity"]]
                                       + 0.3 * rows[i][columns["overlap"]] for i in indexes]
            scores["evidence_order"] = [-rows[i][columns["rank"]] for i in indexes]
            for name, values in scores.items():
                right[name] += labels[indexes[max(range(len(indexes)), key=lambda k: values[k])]]
    shares = {k: round(100 * v / len(questions), 1) for k, v in right.items()}
    best = max(fitters, key=lambda name: right[name])
    kept = best if right[best] > right["evidence_order"] else None
    report = {"questions": len(questions), "sentences": len(rows), "best_sentence_holds_answer": shares, "kept": kept}
    return (fitters[kept](rows, labels) if kept else None), report


def fit_answers(answering: Sequence[Answering], seed: int = 0) -> Trees:
    """The answer scorer: P(candidate is an accepted answer) from CANDIDATE_FEATURES."""
    rows = [row for item in answering for row in item.rows]
    labels = [label for item in answering for label in item.labels]
    return Trees.fit(rows, labels, CANDIDATE_FEATURES, seed=seed)


@dataclass(frozen=True)
class Decision:
    """A question's best candidate: its probability, whether it is right, whether any answer was to be found."""

    probability: float
    correct: bool
    in_corpus: bool
    reachable: bool = False  # some candidate was right


def _judging(qa: QA, item: Answering) -> Judging:
    """The eligible candidates newsqa would choose from (the best-scored first: whether to answer is its
    probability's call), whether the answer it shows for each would be right (the span, or the draft's own
    words: `shown`), and the LLM's log-probabilities of the spans when it can judge them."""
    question = item.asking.question
    terms = key_terms(question.question)
    eligible = list(itertools.islice(QA.eligible(question.question, qa.score(question.question, item.evidence, item.draft),
                                                 terms), max(JUDGED)))
    written = drafted_answer(short_answer(item.draft), question.question, terms, item.evidence)
    logprobs = [None] * len(eligible)
    if len(eligible) > 1 and qa.llm.judges:  # as when answering: one candidate needs no judge
        logprobs = qa.llm.logprobs(qa.llm.prompt(question.question, item.evidence),
                                   [continuation(s.candidate) for s in eligible])
    return Judging([s.probability for s in eligible], logprobs,
                   [_is_answer(shown(s.candidate, written)[0], question.answers) for s in eligible],
                   item.asking.in_corpus, any(item.labels))


def _decision(item: Judging, judge: Judge | None) -> Decision:
    """Whether newsqa would answer (the best-scored eligible span's probability) and be right (with what it
    shows for the span the judge chooses, or for the best-scored one)."""
    if not item.right:
        return Decision(0.0, False, item.in_corpus, item.reachable)
    return Decision(item.probabilities[0], item.answered_right(judge), item.in_corpus, item.reachable)


def _choice_examples(qa: QA, item: Answering) -> tuple[list[list[float]], list[int]]:
    question = item.asking.question
    if len(question.choices) < 2 or not question.answer_index:
        return [], []
    scored = qa.score(question.question, item.evidence)
    read = qa.read_choices(question.question, item.evidence, question.choices) if _reads(qa.llm) else None
    rows = choice_rows(question.question, question.choices, item.ranked, scored, qa.retriever, item.asking.vector, read)
    return rows, [int(i in question.answer_index) for i in range(len(question.choices))]


def _reads(llm) -> bool:
    """Whether multiple choice learns from the LLM's reading of the options: the fine-tuned reader, which learned to
    pick them (the base model's scores of options it was never taught to choose among are not fitted on)."""
    return llm.judges and "reader" in llm.name


# The models tried for multiple choice, by name: the one most often right out of fold is kept. On three training
# runs' 528 questions a logistic regression was right on 58.9-59.3% out of fold, the best trees on 56.2-57.6%.
CHOICE_MODELS: dict[str, Callable[[list, list, int, tuple], Trees | Linear]] = {
    "logistic regression": lambda rows, labels, seed, features: Linear.fit(rows, labels, features, strength=0.1),
    **{f"trees {trees} depth {depth}": lambda rows, labels, seed, features, trees=trees, depth=depth:
       Trees.fit(rows, labels, features, trees=trees, depth=depth, seed=seed)
       for trees, depth in ((100, 1), (200, 2), (300, 3))},
}


def fit_choices(quizzes: Sequence[Sequence[tuple[list, list]]], seed: int = 0) -> tuple[Trees | Linear, dict]:
    """The multiple-choice model. `quizzes`: per fold, each question's rows and labels. Each model in
    CHOICE_MODELS is scored by how often its best-scored choice is right on folds it did not see,
    beside the single features used as rules; the best is refitted on every fold."""
    def pooled(folds):
        rows = [row for fold in folds for rows, _ in fold for row in rows]
        return rows, [label for fold in folds for _, labels in fold for label in labels]

    def right(model: Trees | Linear, fold) -> int:
        return sum(labels[int(np.argmax(model.raw(rows)))] for rows, labels in fold if rows)

    width = next((len(rows[0]) for fold in quizzes for rows, _ in fold if rows), len(CHOICE_FEATURES))
    features = CHOICE_FEATURES + (READER_FEATURES if width > len(CHOICE_FEATURES) else ())

    asked = sum(1 for fold in quizzes for rows, _ in fold if rows)
    accuracy = {}
    for name, fit in CHOICE_MODELS.items():
        hits = sum(right(fit(*pooled([f for i, f in enumerate(quizzes) if i != index]), seed, features), fold)
                   for index, fold in enumerate(quizzes))
        accuracy[name] = _percent(hits, asked)
    rules = {}
    columns = [(c, n) for c, n in enumerate(features) if not n.endswith("_vs_best") and n not in ("words", "is_number")]
    for column, name in columns:
        hits = sum(labels[max(range(len(rows)), key=lambda i: rows[i][column])] for fold in quizzes for rows, labels in fold if rows)
        rules[name] = _percent(hits, asked)
    best = max(CHOICE_MODELS, key=accuracy.__getitem__)
    return CHOICE_MODELS[best](*pooled(quizzes), seed, features), {
        "questions": asked, "accuracy_by_model": accuracy, "kept": best,
        "accuracy_of_single_features": dict(sorted(rules.items(), key=lambda kv: -kv[1]))}


def fit_threshold(decisions: Sequence[Decision], max_false_abstention: float) -> float:
    """The abstention threshold: the one whose answer-or-abstain decisions are most often right
    (answer when the best candidate is right, abstain when it is wrong), among those that abstain
    on at most `max_false_abstention` of the questions whose answer is in the articles.

    >>> decisions = [Decision(0.9, True, True), Decision(0.4, False, True), Decision(0.2, False, False)]
    >>> fit_threshold(decisions, 0.5), fit_threshold(decisions, 0.2)
    (0.9, 0.4)
    """
    answerable = [d for d in decisions if d.in_corpus]
    best, best_right = 0.0, -1
    for threshold in sorted({0.0} | {round(d.probability, 4) for d in decisions}):
        abstained = [d for d in answerable if d.probability < threshold]
        if answerable and len(abstained) / len(answerable) > max_false_abstention:
            break
        right = sum((d.probability >= threshold) == d.correct for d in decisions)
        if right > best_right:
            best, best_right = threshold, right
    return best


def _decision_summary(decisions: Sequence[Decision], threshold: float) -> dict:
    answerable = [d for d in decisions if d.in_corpus]
    unanswerable = [d for d in decisions if not d.in_corpus]
    return {
        "questions": len(decisions),
        "some_candidate_right_in_corpus": _percent(sum(d.reachable for d in answerable), len(answerable)),
        "best_candidate_right_in_corpus": _percent(sum(d.correct for d in answerable), len(answerable)),
        "answered_right_in_corpus": _percent(sum(d.correct and d.probability >= threshold for d in answerable),
                                             len(answerable)),
        "false_abstention_in_corpus": _percent(sum(d.probability < threshold for d in answerable), len(answerable)),
        "abstention_not_in_corpus": _percent(sum(d.probability < threshold for d in unanswerable), len(unanswerable)),
    }


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def top_features(trees: Trees | Linear, n: int = 8) -> dict[str, float]:
    """The features the trees split on most, with their share of the splits (a linear model's: the
    features with the largest standardized weights, with their share of the weights)."""
    if isinstance(trees, Linear):
        return dict(list(trees.importance().items())[:n])
    counts: dict[str, int] = {}
    for tree in trees.trees:
        for left, feature in zip(tree["left"], tree["feature"]):
            if left != -1:
                counts[trees.features[feature]] = counts.get(trees.features[feature], 0) + 1
    total = sum(counts.values()) or 1
    return {name: round(100 * count / total, 1) for name, count in sorted(counts.items(), key=lambda kv: -kv[1])[:n]}


def validate(models: Models, askings: Sequence[Asking], qas: dict[str, QA], period_of: dict[str, str],
             progress: Progress | None = None) -> dict:
    """The held-out periods answered end to end, as `newsqa eval` would: metrics on all questions and
    on those whose answer is in the articles, and retrieval recall@5 of each way of ranking."""
    rows = []
    for done, asking in enumerate(askings, start=1):
        qa = qas[period_of[asking.question.id]]
        rows.append(score_question(qa, asking.question, qa.retriever.store.chunk_texts))
        if progress:
            progress("validating", done, len(askings))
    inside = [row for row, asking in zip(rows, askings) if asking.in_corpus]
    return {
        "questions": len(rows), "in_corpus": len(inside),
        "all": aggregate(rows), "answer_in_corpus": aggregate(inside),
        "recall_at_5_in_corpus": {"dense": recall_at(askings, by_dense), "bm25": recall_at(askings, by_bm25),
                                  "fusion": recall_at(askings, by_fusion), "ranker": recall_at(askings, by_ranker(models.ranker))},
    }
