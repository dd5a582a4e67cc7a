"""Fitting each model from its examples: the ranker, the answer scorer, the sentence model, multiple choice and
the abstention threshold, with the reports of how each did out of fold."""

from collections.abc import Callable, Sequence

import numpy as np

from rag.answer.choices import CHOICE_FEATURES, READER_FEATURES
from rag.answer.scoring import CANDIDATE_FEATURES
from rag.answer.sentences import SENTENCE_FEATURES
from rag.learned.linear import Linear
from rag.learned.support import SUPPORT_FEATURES, Support
from rag.learned.trees import Trees
from rag.retrieval.features import PASSAGE_FEATURES
from rag.training.estimators import fit_linear, fit_trees
from rag.training.examples import Answering, Asking, Decision, sentence_examples

__all__ = ["CHOICE_MODELS", "decision_summary", "fit_answers", "fit_choices", "fit_ranker", "fit_sentences", "fit_support",
           "fit_threshold", "percent", "top_features"]


def fit_ranker(examples: Sequence[Asking], seed: int = 0) -> Trees:
    """The passage ranker: P(passage holds the answer) from PASSAGE_FEATURES. Questions whose answer
    is in no pooled passage teach nothing; those where most passages hold it (a common word) only noise."""
    rows, labels = [], []
    for example in examples:
        share = sum(example.labels) / len(example.labels) if example.labels else 0
        if 0 < share <= 0.5:
            rows += example.rows
            labels += example.labels
    return fit_trees(rows, labels, PASSAGE_FEATURES, seed=seed)


def fit_sentences(answering: Sequence[Answering], folds: int = 4, seed: int = 0) -> tuple[Trees | Linear | None, dict]:
    """The sentence model: P(sentence holds the answer) from SENTENCE_FEATURES, a logistic regression or trees,
    whichever puts a sentence that holds the answer first more often, cross-fitted over `folds` groups of questions;
    None when neither does so more often than the hand-weighted score explanations rank by without a model (what is
    asked, similarity, overlap: `rag.answer.shapes.explanation`). The report has each way's share, beside the
    evidence order itself."""
    rows, labels, groups = sentence_examples(answering)
    questions = sorted(set(groups))
    if len(questions) < 2 * folds:  # too few to fit and check
        return None, {"questions": len(questions)}
    columns = {f: i for i, f in enumerate(SENTENCE_FEATURES)}
    fitters = {"linear": lambda r, y: fit_linear(r, y, SENTENCE_FEATURES, strength=1.0),
               "trees": lambda r, y: fit_trees(r, y, SENTENCE_FEATURES, seed=seed, trees=200)}
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
    kept = best if right[best] > right["hand_weighted"] else None
    report = {"questions": len(questions), "sentences": len(rows), "best_sentence_holds_answer": shares, "kept": kept}
    return (fitters[kept](rows, labels) if kept else None), report


def fit_answers(answering: Sequence[Answering], seed: int = 0) -> Trees:
    """The answer scorer: P(candidate is an accepted answer) from CANDIDATE_FEATURES."""
    rows = [row for item in answering for row in item.rows]
    labels = [label for item in answering for label in item.labels]
    return fit_trees(rows, labels, CANDIDATE_FEATURES, seed=seed)


# The models tried for multiple choice, by name: the one most often right out of fold is kept. On three training
# runs' 528 questions a logistic regression was right on 58.9-59.3% out of fold, the best trees on 56.2-57.6%.
CHOICE_MODELS: dict[str, Callable[[list, list, int, tuple], Trees | Linear]] = {
    "logistic regression": lambda rows, labels, seed, features: fit_linear(rows, labels, features, strength=0.1),
    **{f"trees {trees} depth {depth}": lambda rows, labels, seed, features, trees=trees, depth=depth:
       fit_trees(rows, labels, features, trees=trees, depth=depth, seed=seed)
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
        accuracy[name] = percent(hits, asked)
    rules = {}
    columns = [(c, n) for c, n in enumerate(features) if not n.endswith("_vs_best") and n not in ("words", "is_number")]
    for column, name in columns:
        hits = sum(labels[max(range(len(rows)), key=lambda i: rows[i][column])] for fold in quizzes for rows, labels in fold if rows)
        rules[name] = percent(hits, asked)
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


def calibrated_threshold(right: Sequence[float], max_lost: float, floor: float) -> float:
    """The highest abstention threshold, not below `floor`, that declines at most `max_lost` of the right answers
    whose confidences (the scorer's probability of the best span) are `right`: set on questions the models never
    learned from (bench/calibrate.py), declining an answer that would be wrong costs nothing.

    >>> calibrated_threshold([0.9, 0.5, 0.3, 0.02, 0.01], max_lost=0.2, floor=0.0043)  # one of five may go
    0.02
    >>> calibrated_threshold([0.9, 0.5], max_lost=0.2, floor=0.0043), calibrated_threshold([], 0.2, 0.0043)
    (0.5, 0.0043)
    """
    ordered = sorted(right)
    lost = int(max_lost * len(ordered))  # declining below the next one loses at most `lost` (ties: fewer)
    return max(floor, ordered[lost]) if lost < len(ordered) else floor


def fit_support(answers: Sequence[tuple[float, float, bool, bool]], max_lost: float) -> Support:
    """The support check from answered factoid questions the trees never learned from, each (the scorer's
    confidence, the LLM's likelihood of the span answered, right, the answer is in the articles): a logistic
    regression of right on the two, and the highest bar that declines at most `max_lost` of the right answers to
    questions whose answer is in the articles (as calibrated_threshold does for the confidence alone).

    >>> answers = [(0.6, -0.5, True, True), (0.02, -0.9, True, True), (0.02, -4.0, False, False), (0.5, -3.0, False, True)] * 5
    >>> support = fit_support(answers, max_lost=0.0)
    >>> support.backs(0.02, -0.9), support.backs(0.02, -4.0)
    (True, False)
    """
    rows = [Support.row(confidence, likelihood) for confidence, likelihood, _, _ in answers]
    model = fit_linear(rows, [int(right) for _, _, right, _ in answers], SUPPORT_FEATURES)
    right = [float(p) for p, (_, _, ok, found) in zip(model.probability(rows), answers) if ok and found]
    bar = calibrated_threshold(right, max_lost, floor=0.0)
    return Support(model, bar, {"answers": len(answers), "right": sum(ok for _, _, ok, _ in answers),
                                "right_in_corpus": len(right), "max_lost": max_lost})


def decision_summary(decisions: Sequence[Decision], threshold: float) -> dict:
    answerable = [d for d in decisions if d.in_corpus]
    unanswerable = [d for d in decisions if not d.in_corpus]
    return {
        "questions": len(decisions),
        "some_candidate_right_in_corpus": percent(sum(d.reachable for d in answerable), len(answerable)),
        "best_candidate_right_in_corpus": percent(sum(d.correct for d in answerable), len(answerable)),
        "answered_right_in_corpus": percent(sum(d.correct and d.probability >= threshold for d in answerable),
                                             len(answerable)),
        "false_abstention_in_corpus": percent(sum(d.probability < threshold for d in answerable), len(answerable)),
        "abstention_not_in_corpus": percent(sum(d.probability < threshold for d in unanswerable), len(unanswerable)),
    }


def percent(part: int, whole: int) -> float | None:
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
