import json
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from rag.evaluate import EvalQuestion, QuestionResult, aggregate, evaluate, read_questions
from ui.cli import cli
from ui.report import metrics_table, render_report

from .conftest import SEED_ARTICLE


def write_lines(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(**values):
    base = {"id": "q", "question": "?", "answers": ["a"], "answer": "", "answerable": True, "abstained": False,
            "latency_s": 1.0, "em": 0.0, "f1": 0.0, "contains": 0.0, "recall": 0.0, "rr": 0.0}
    return QuestionResult(**{**base, **values})


def test_reader_reports_malformed_lines_with_numbers_and_keeps_the_rest(tmp_path):
    path = write_lines(
        tmp_path / "q.jsonl",
        json.dumps({"id": "q1", "question": "Who?", "answers": ["Ana"]}),
        "{broken",
        json.dumps({"id": "q2", "question": ""}),
        json.dumps({"id": "q3", "question": "How many?", "answers": "104"}),
        json.dumps({"id": "q4", "question": "Which?", "answers": ["b"], "choices": ["a", "b"], "answer_index": [5]}),
        json.dumps({"id": "q1", "question": "Again?", "answers": []}),
        json.dumps({"id": "q5", "question": "Unknowable?", "answers": [], "extra": True}),
        json.dumps({"id": "q6", "question": "Odd?", "answers": [], "answerable": True}),
        "",
        json.dumps({"id": "q7", "question": "Pick", "answers": ["b"], "choices": ["a", "b"], "answer_index": [1],
                    "history": ["Earlier?"]}),
    )
    questions, errors = read_questions(path)
    assert [q.id for q in questions] == ["q1", "q5", "q7"]
    assert questions[1].answerable is False and questions[1].fields == {"extra": True}
    assert questions[2].choices == ("a", "b") and questions[2].answer_index == (1,)
    assert questions[2].history == ("Earlier?",)
    assert [e.split(":")[0] for e in errors] == ["line 2", "line 3", "line 4", "line 5", "line 6", "line 8"]
    assert "not valid JSON" in errors[0]
    assert "'answers' must be a list of strings" in errors[2]
    assert "duplicate id 'q1'" in errors[4]
    assert "needs at least one accepted answer" in errors[5]


def test_the_shipped_question_sets_read_cleanly():
    questions, errors = read_questions("seeds/questions.jsonl")
    assert errors == []
    assert sum(q.answerable for q in questions) >= 15
    assert sum(not q.answerable for q in questions) >= 5
    assert any(q.question.lower().startswith("ignore") for q in questions if not q.answerable)
    for name in ("reader-news", "reader-holdout", "follow-ups"):
        questions, errors = read_questions(f"bench/sets/{name}.jsonl")
        assert errors == [] and len({q.id for q in questions}) == len(questions) >= 10


def test_aggregate_by_hand():
    rows = [
        row(em=1.0, f1=1.0, contains=1.0, numeric_match=1.0, citation_ok=1.0, recall=1.0, rr=1.0, latency_s=1.0, words=3),
        row(em=0.0, f1=0.5, contains=1.0, citation_ok=0.0, recall=1.0, rr=0.5, latency_s=2.0, words=40, doubtful=True),
        row(abstained=True, numeric_match=0.0, latency_s=3.0),
        row(answerable=False, abstained=True, em=None, f1=None, contains=None, recall=None, rr=None, latency_s=4.0),
        row(answerable=False, abstained=False, em=None, f1=None, contains=None, recall=None, rr=None,
            mc_correct=1.0, latency_s=5.0),
        row(answerable=False, abstained=False, doubtful=True, em=None, f1=None, contains=None, recall=None, rr=None,
            latency_s=6.0),
    ]
    metrics = aggregate(rows)
    assert metrics == {
        "em": 33.3, "f1": 50.0, "contains": 66.7, "numeric_match": 50.0, "abstention_accuracy": 33.3,
        "declined_or_doubted": 66.7, "false_abstention_rate": 33.3, "right_doubted": 50.0, "citation_precision": 50.0,
        "recall_at_k": 66.7, "mrr": 50.0, "mc_accuracy": 100.0, "answer_words_p50": 21.5, "latency_p50_s": 3.5,
        "latency_p95_s": 5.75,
    }


def test_a_follow_up_is_scored_after_its_conversation_is_asked_through(make_services):
    from rag.answer.followup import Turn
    from rag.evaluate import EvalQuestion, score_question

    services = make_services(" Farhad Shami", " unknown")
    services.ingestor.ingest_paths(["seeds/000_60b8ed085d617c0b.txt"])
    asked = []
    original = services.qa.ask
    services.qa.ask = lambda question, **kw: asked.append((question, kw.get("history"))) or original(question, **kw)
    q = EvalQuestion("fu", "What did he say about the prisoners?", ("104",), True,
                     history=("Who is the spokesperson for the SDF?",))
    result = score_question(services.qa, q, services.store.chunk_texts)
    assert [a[0] for a in asked] == ["Who is the spokesperson for the SDF?", q.question]
    assert asked[1][1] == [Turn("Who is the spokesperson for the SDF?", "Farhad Shami")]
    assert result.query == "What did Farhad Shami say about the prisoners?"


def test_no_choices_means_mc_accuracy_is_null():
    assert aggregate([row()])["mc_accuracy"] is None


@pytest.fixture
def seeded(make_services):
    services = make_services(*([" 104", " unknown"] * 10))
    services.ingestor.ingest_paths([SEED_ARTICLE])
    return services


def test_evaluate_scores_each_question(seeded):
    questions = [
        EvalQuestion("q1", "How many prisoners were recaptured?", ("104", "around 104", "more than 100"), True),
        EvalQuestion("q2", "Who won the World Cup?", (), False),
        EvalQuestion("q3", "How many prisoners were recaptured?", ("104",), True,
                     choices=("55", "104", "300"), answer_index=(1,)),
    ]
    run = evaluate(seeded.qa, questions, seeded.store.chunk_texts)
    first, second, third = run.per_question
    assert first.answer in ("104", "around 104", "more than 100")
    assert (first.em, first.contains, first.numeric_match) == (1.0, 1.0, 1.0)
    assert first.citation_ok == 1.0 and first.recall == 1.0 and first.rank >= 1
    assert second.abstained is True and second.em is None
    assert third.mc_choice == 1 and third.mc_correct == 1.0
    summary = run.summary()
    assert (summary["n"], summary["n_answerable"], summary["n_unanswerable"]) == (3, 2, 1)
    assert summary["metrics"]["abstention_accuracy"] == 100.0
    assert summary["metrics"]["mc_accuracy"] == 100.0


def test_report_renders_metrics_plots_and_questions(seeded):
    questions = [EvalQuestion("q1", "How many prisoners were recaptured? <b>", ("104",), True, fields={"flag": True}),
                 EvalQuestion("q2", "Who won the World Cup?", (), False, fields={"flag": False})]
    summary = evaluate(seeded.qa, questions, seeded.store.chunk_texts).summary(by=["flag"])
    anchors = {"model-a": {"em": 30.0, "f1": 40.0, "contains": 50.0, "contains_in": 60.0, "mc": 70.0}}
    page = render_report(summary, title="t", anchors=anchors, settings={"k": 5})

    class Collector(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.rows, self.external = [], 0, []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.rows += tag == "tr" and (("class", "ok") in attrs or ("class", "fail") in attrs)
            self.external += [v for k, v in attrs if k in ("src", "href") and v and "//" in v]

    parser = Collector()
    parser.feed(page)
    assert parser.tags.count("svg") == 3  # metric bars, latency histogram, anchors
    assert parser.rows == 2
    assert parser.external == [] and "script" not in parser.tags  # opens without a network
    assert "&lt;b&gt;" in page and "model-a" in page and "flag=true" in page
    table = metrics_table(summary)
    assert table.splitlines()[0].split() == ["metric", "all", "flag=false", "flag=true"]
    # every metric says what it measures and over how many questions
    assert "abstention_accuracy: said \"The articles do not say.\"; over unanswerable questions (n=1 of all)" in table
    assert "contains: an accepted answer occurs in the answer; over answerable questions (n=1 of all)" in table
    assert "what it measures" in page and "questions with choices (0)" in page
    summary["per_question"][0]["doubtful"] = True  # an answer the support check doubts (newsqa answered it, unsure)
    assert render_report(summary, title="t").count("doubted by the support check") == 1


def test_eval_command_end_to_end_on_a_tiny_corpus(make_services, tmp_path):
    questions = write_lines(
        tmp_path / "questions.jsonl",
        json.dumps({"id": "q1", "question": "How many prisoners were recaptured?", "answers": ["104", "more than 100"],
                    "in": True}),
        json.dumps({"id": "q2", "question": "Who won the World Cup?", "answers": [], "in": False}),
        "not json",
    )
    (tmp_path / "anchors.json").write_text(json.dumps({"frontier_gcs_gen": {"m": {"contains": 10.0, "mc": 20.0}}}))
    services = make_services("(warm-up)", " 104", " unknown")
    result = CliRunner().invoke(
        cli, ["eval", str(questions), "--corpus", SEED_ARTICLE, "--json", "--by", "in",
              "--report", str(tmp_path / "report"), "--min", "contains=90", "--max", "false_abstention_rate=0"],
        obj=services, catch_exceptions=False,
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"n", "n_answerable", "n_unanswerable", "metrics", "per_question"}
    assert data["metrics"]["contains"] == 100.0 and data["metrics"]["abstention_accuracy"] == 100.0
    assert set(data["per_question"][0]) >= {"id", "question", "answer", "abstained", "citations", "latency_s",
                                            "em", "f1", "contains", "numeric_match", "citation_ok", "rank"}
    assert data["by"]["in"]["true"]["n"] == 1
    assert "line 3: not valid JSON" in result.stderr
    assert json.loads((tmp_path / "report" / "report.json").read_text())["n"] == 2
    page = (tmp_path / "report" / "report.html").read_text()
    assert "newsqa (this run)" in page and "strict: False" in page  # what decided to answer is in the header
    # the corpus went into a store of its own; the main store is untouched
    assert services.store.counts() == (0, 0)


def test_eval_gate_failure_exits_1(make_services, tmp_path):
    questions = write_lines(tmp_path / "q.jsonl",
                            json.dumps({"id": "q1", "question": "How many prisoners were recaptured?", "answers": ["104"]}))
    result = CliRunner().invoke(cli, ["eval", str(questions), "--corpus", SEED_ARTICLE, "--min", "contains=50"],
                                obj=make_services("(warm-up)", " unknown"), catch_exceptions=False)
    assert result.exit_code == 1
    assert "gate failed: contains = 0.0 (wanted >= 50.0)" in result.stderr
    assert "contains" in result.stdout  # the table is still printed


def test_eval_rejects_unknown_gate_metrics_and_empty_sets(make_services, tmp_path):
    questions = write_lines(tmp_path / "q.jsonl", "nope")
    bad_gate = CliRunner().invoke(cli, ["eval", str(questions), "--min", "accuracy=3"], obj=make_services())
    assert bad_gate.exit_code == 2 and "METRIC one of em, f1" in bad_gate.stderr
    empty = CliRunner().invoke(cli, ["eval", str(questions)], obj=make_services())
    assert empty.exit_code == 1 and "no valid question" in empty.stderr


def test_eval_corpus_store_is_synced_to_the_corpus(make_services, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The storm hit Riverton. About 3,000 homes lost power.")
    (corpus / "b.txt").write_text("A flood closed schools in Dover on Monday.")
    questions = write_lines(tmp_path / "q.jsonl", json.dumps({"id": "q", "question": "Homes without power?",
                                                               "answers": ["3,000"]}))
    services = make_services(*[" 3,000"] * 4)
    runner = CliRunner()
    first = runner.invoke(cli, ["eval", str(questions), "--corpus", str(corpus)], obj=services, catch_exceptions=False)
    assert "added 2" in first.stderr
    (corpus / "b.txt").unlink()
    second = runner.invoke(cli, ["eval", str(questions), "--corpus", str(corpus)], obj=services, catch_exceptions=False)
    assert "deleted 1 articles that are no longer in the corpus" in second.stderr
    assert "unchanged 1" in second.stderr


def test_the_warned_of_metrics_count_over_what_they_say():
    from ui.report import denominators, metrics_table

    rows = [{"contains": 1.0, "doubtful": True}, {"contains": 0.0}, {"contains": None}, {"contains": None}]
    summary = {"n": 4, "n_answerable": 2, "n_unanswerable": 2, "per_question": rows,
               "metrics": {"declined_or_doubted": 50.0, "right_doubted": 100.0}}
    counts = denominators(summary)
    assert counts["declined_or_doubted"] == 2 and counts["right_doubted"] == 1
    assert "right_doubted: a right answer marked" in metrics_table(summary)
