"""`newsqa train`: learn the passage ranker, the answer scorer, abstention and multiple choice from a
question set and its articles.

The questions are cut into periods of a few weeks (by their `date`); each period's articles (the
questions' `results` when the set lists them, else the corpus articles published in the period)
go into a store of their own, as `newsqa eval` would build it, and every question is answered
against its period's store as of its own date. The last periods are held out for validation.
Stores are cached, so a second run only retrains.
"""

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import rag.answer.choices as choices_module
from ingest.lexical import LexicalIndex
from rag.answer.candidates import answer_type
from rag.answer.choices import CHOICE_FEATURES
from rag.answer.scoring import learn_kinds
from rag.evaluate import EvalQuestion, aggregate, score_question
from rag.learned.models import Models
from rag.learned.trees import Trees
from rag.qa import QA
from rag.retrieval.hybrid import Retriever
from rag.training.drafts import DraftCache, NoLLM
from rag.training.examples import (
    Answering,
    Asking,
    ExampleCache,
    answer_examples,
    by_bm25,
    by_dense,
    by_fusion,
    by_ranker,
    choice_examples,
    decision,
    judging,
    passage_examples,
    recall_at,
)
from rag.training.fit import (
    decision_summary,
    fit_answers,
    fit_choices,
    fit_ranker,
    fit_sentences,
    fit_threshold,
    top_features,
)
from rag.training.judge import fit_judge
from rag.training.periods import (
    Period,
    Progress,
    TrainConfig,
    build_stores,
    choose_periods,
    deal_folds,
    load_pools,
    split_periods,
)

__all__ = ["Trained", "train", "validate"]


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
    run = _Run.start(questions, corpus_paths, client, embeddings, chunker, llm, config, progress, drafts_path,
                     examples_dir)
    askings = run.askings()
    train_askings = [a for p in run.training for a in askings[p.name]]
    ranker = fit_ranker(train_askings, config.seed)
    fold_rankers = [fit_ranker([a for p in run.training if p not in fold for a in askings[p.name]], config.seed)
                    for fold in run.folds]
    answering = run.answering(askings, fold_rankers)
    all_answering = [a for p in run.training for a in answering[p.name]]
    answers = fit_answers(all_answering, config.seed)
    sentences, sentence_report = fit_sentences(all_answering, config.folds, config.seed)
    kinds = learn_kinds([(answer_type(item.asking.question.question), c.kind, bool(label))
                         for item in all_answering for c, label in zip(item.pool, item.labels)])
    judgings, quizzes = run.cross_fit(answering, fold_rankers, kinds)
    judge, judge_report = fit_judge(judgings) if run.drafting is not None and run.drafting.judges else (None, None)
    tops = [decision(item, judge) for item in judgings]
    threshold = fit_threshold(tops, config.max_false_abstention)
    choices, choice_report = fit_choices(quizzes, config.seed)
    models = Models(ranker, answers, choices, threshold, kinds, judge=judge, sentences=sentences)
    report = {
        "config": {**asdict(config)},
        "training": {"periods": [p.name for p in run.training], "questions": len(train_askings),
                     "articles": sum(len(run.pools[p.name]) for p in run.training),
                     "passage_rows": sum(len(a.rows) for a in train_askings),
                     "candidate_rows": sum(len(a.rows) for a in all_answering),
                     "choice_rows": sum(len(rows) for fold in quizzes for rows, _ in fold)},
        "threshold": round(threshold, 4),
        "kinds_by_question_type": kinds,
        "cross_fitted": decision_summary(tops, threshold),
        "judge": {**(judge.as_dict() if judge else {"candidates": None}), "cross_fitted": judge_report},
        "multiple_choice_cross_fitted": choice_report,
        "sentences_cross_fitted": sentence_report,
        "features": {"ranker": top_features(ranker), "answers": top_features(answers), "choices": top_features(choices),
                     **({"sentences": top_features(sentences)} if sentences else {})},
    }
    if run.validation:
        report["validation"] = validate(models, [a for p in run.validation for a in askings[p.name]],
                                        {p.name: run.qa_for(p, models) for p in run.validation},
                                        {q.id: p.name for p in run.validation for q in p.questions}, progress)
    run.save_drafts()
    report["seconds"] = round(time.perf_counter() - started)
    return Trained(Models(ranker, answers, choices, threshold, kinds, info={"training": report}, judge=judge,
                          sentences=sentences), report)


@dataclass
class _Run:
    """One training run: its periods and their stores, the folds the training periods are dealt into, the cache
    of its examples and of the LLM's drafts, and the QA it answers a period's questions with."""

    config: TrainConfig
    training: list[Period]
    validation: list[Period]
    pools: dict
    stores: dict
    plain: dict  # each period's retriever without a ranker (BM25 and dense, fused)
    embeddings: object
    drafting: DraftCache | None
    examples: ExampleCache
    progress: Progress | None
    folds: list[list[Period]] = field(default_factory=list)

    @classmethod
    def start(cls, questions, corpus_paths, client, embeddings, chunker, llm, config, progress, drafts_path,
              examples_dir) -> "_Run":
        periods = split_periods(questions, config.weeks)
        pools = load_pools(periods, corpus_paths, config.weeks)
        training, validation = choose_periods(periods, {p.name: len(pools[p.name]) for p in periods}, config)
        if not training:
            raise ValueError("training needs questions from at least two periods of the set")
        stores = build_stores(client, embeddings, chunker, training + validation, pools, progress)
        plain = {p.name: Retriever(stores[p.name], embeddings, lexical=LexicalIndex()) for p in training + validation}
        examples = ExampleCache(examples_dir, training + validation, config, llm.name if llm is not None else False)
        return cls(config, training, validation, pools, stores, plain, embeddings,
                   DraftCache(llm, drafts_path) if llm is not None else None, examples, progress,
                   deal_folds(training, config.folds))

    def qa_for(self, period: Period, models: Models) -> QA:
        """A QA over the period's store with these models (the ranker's retriever shares the period's BM25)."""
        retriever = Retriever(self.stores[period.name], self.embeddings, lexical=self.plain[period.name].lexical,
                              ranker=models.ranker)
        return QA(retriever, self.drafting or NoLLM(), models)

    def askings(self) -> dict[str, list[Asking]]:
        """Each period's questions with their ranked pools (from the cache when it has them)."""
        askings = self.examples.get("askings") or {
            p.name: passage_examples(self.plain[p.name], p.questions, self.progress)
            for p in self.training + self.validation}
        self.examples.put("askings", askings)
        return askings

    def answering(self, askings, fold_rankers: Sequence[Trees]) -> dict[str, list[Answering]]:
        """Each training period's questions answered by a ranker that did not see its fold: candidates, evidence,
        draft (from the cache when it has them)."""
        answering: dict[str, list[Answering]] = self.examples.get("answering") or {}
        for fold, ranker in zip(self.folds, fold_rankers):
            for period in fold:
                if period.name not in answering:
                    answering[period.name] = answer_examples(self._qa(period, ranker), askings[period.name],
                                                             drafts=self.drafting is not None, progress=self.progress)
        self.examples.put("answering", answering)
        self.save_drafts()
        return answering

    def cross_fit(self, answering, fold_rankers: Sequence[Trees], kinds) -> tuple[list, list]:
        """Out of fold: what the judge chooses among (`Judging` per question) and multiple choice's rows (per fold,
        each question's rows and labels; cached by the code of its features)."""
        judgings = []
        choice_code = json.dumps(CHOICE_FEATURES) + Path(choices_module.__file__).read_text()
        choice_name = "choices-" + hashlib.sha256(choice_code.encode()).hexdigest()[:8]
        quizzes = self.examples.get(choice_name)
        computed = quizzes is None
        quizzes = quizzes or [[] for _ in self.folds]
        for index, (fold, ranker) in enumerate(zip(self.folds, fold_rankers)):
            fold_answers = fit_answers([a for p in self.training if p not in fold for a in answering[p.name]],
                                       self.config.seed)
            for period in fold:
                qa = self._qa(period, ranker, fold_answers, kinds)
                for item in answering[period.name]:
                    judgings.append(judging(qa, item))
                    if computed:
                        quizzes[index].append(choice_examples(qa, item))
            if self.progress:
                self.progress("cross-fitting", index + 1, len(self.folds))
        self.examples.put(choice_name, quizzes)
        return judgings, quizzes

    def _qa(self, period: Period, ranker: Trees, answers=None, kinds=None) -> QA:
        return self.qa_for(period, Models(ranker, answers, None, 0.5, kinds))

    def save_drafts(self) -> None:
        if self.drafting:
            self.drafting.save()


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
