"""Training periods: the questions cut into spans of a few weeks, which of them train, validate or are held out,
the articles of each, and a store per period (as `newsqa eval` builds one)."""

import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from ingest.exact import ExactStore
from ingest.loaders import iter_articles
from ingest.pipeline import Ingestor
from ingest.store import ArticleStore
from ingest.types import Article
from rag.evaluate import EvalQuestion

__all__ = ["BUDGETS", "EXTRA_PERIODS", "EXTRA_SEED", "Period", "Progress", "TrainConfig", "assign_articles",
           "budget_config", "build_stores", "choose_periods", "day_of", "deal_folds", "held_out_periods", "load_pools", "split_periods",
           "tree_periods"]


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
        period.article_ids = {a.id for a in articles if not a.published or first <= day_of(a.published) <= last}


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
# A calibration slice: periods that neither a tree run nor the held-out slice uses, for setting a decision (the
# abstention threshold) of models already trained, on questions they never learned from (bench/heldout.py).
CALIBRATION_PERIODS, CALIBRATION_SEED = 5, 2


def budget_config(budget: int) -> TrainConfig:
    """The settings of the README's training command with another --max-articles: the runs of BUDGETS."""
    return TrainConfig(max_articles=budget)


def held_out_periods(periods, config_for=budget_config) -> tuple[list[str], list[str]]:
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


def calibration_periods(periods, config_for=budget_config) -> list[str]:
    """The names of CALIBRATION_PERIODS dated periods that no tree run of BUDGETS and no held-out slice uses,
    shuffled with CALIBRATION_SEED."""
    used = tree_periods(periods, config_for).union(*held_out_periods(periods, config_for))
    free = sorted(p.name for p in periods if p.name not in used and p.start is not None)
    random.Random(CALIBRATION_SEED).shuffle(free)
    return free[:CALIBRATION_PERIODS]


def tree_periods(periods, config_for=budget_config) -> set[str]:
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


def day_of(published: str) -> date:
    try:
        return date.fromisoformat(published[:10])
    except ValueError:
        return date.min


def deal_folds(periods: Sequence[Period], count: int) -> list[list[Period]]:
    """The training periods dealt into `count` folds (round robin over time)."""
    count = max(2, min(count, len(periods)))
    return [list(periods[i::count]) for i in range(count)]
