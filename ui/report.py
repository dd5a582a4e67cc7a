"""`report.html` of an evaluation: metrics, inline SVG plots and a filterable per-question table.

Everything is inline (no scripts or styles from the network), so the file opens offline.
"""

import html
from collections.abc import Sequence

__all__ = ["METRIC_HELP", "denominators", "metrics_table", "render_report"]

PERCENT_METRICS = (
    "em", "f1", "contains", "numeric_match", "abstention_accuracy", "declined_or_doubted", "false_abstention_rate",
    "right_doubted", "citation_precision", "recall_at_k", "mrr", "mc_accuracy",
)
# What each metric measures, and over which questions (its denominator).
METRIC_HELP = {
    "em": ("answer equals an accepted answer (SQuAD normalisation; an abstention scores 0)", "answerable questions"),
    "f1": ("word overlap (F1) of the answer with the best accepted answer", "answerable questions"),
    "contains": ("an accepted answer occurs in the answer", "answerable questions"),
    "numeric_match": ("the answer gives the accepted answer's number", "answerable questions whose accepted answer is a number"),
    "abstention_accuracy": ('said "The articles do not say."', "unanswerable questions"),
    "declined_or_doubted": ('declined, or answered marked "Low confidence" (what a reader is warned of)',
                            "unanswerable questions"),
    "false_abstention_rate": ("abstained although the question is answerable (lower is better)", "answerable questions"),
    "right_doubted": ('a right answer marked "Low confidence" (lower is better)',
                      "answerable questions answered right"),
    "citation_precision": ("the first cited passage holds an accepted answer", "answerable questions answered right with a citation"),
    "recall_at_k": ("an accepted answer occurs in one of the k retrieved passages", "answerable questions"),
    "mrr": ("1 / rank of the first retrieved passage holding an accepted answer", "answerable questions"),
    "mc_accuracy": ("the chosen option is the right one", "questions with choices"),
    "answer_words_p50": ("median length of the answer in words (source markers left out)", "answerable questions answered"),
    "latency_p50_s": ("median seconds per answer (lower is better)", "all questions"),
    "latency_p95_s": ("95th percentile seconds per answer (lower is better)", "all questions"),
}
# The per-question field whose present values make each metric's denominator.
_DENOMINATOR_FIELD = {"em": "em", "f1": "f1", "contains": "contains", "numeric_match": "numeric_match",
                      "citation_precision": "citation_ok", "recall_at_k": "recall", "mrr": "rr", "mc_accuracy": "mc_correct",
                      "answer_words_p50": "words"}
# Our metric -> the anchors.json key it compares with.
ANCHOR_KEYS = {"em": "em", "f1": "f1", "contains": "contains", "contains_in": "contains_in", "mc_accuracy": "mc"}


def metrics_table(summary: dict) -> str:
    """The metrics as an aligned text table, with one column per `--by` subset."""
    columns = [("all", summary["metrics"], summary["n"])]
    for name, groups in summary.get("by", {}).items():
        columns += [(f"{name}={value}", group["metrics"], group["n"]) for value, group in groups.items()]
    width = max(len(c[0]) for c in columns) + 2
    lines = ["metric".ljust(24) + "".join(c[0].rjust(width) for c in columns)]
    lines.append("n".ljust(24) + "".join(str(c[2]).rjust(width) for c in columns))
    for metric in summary["metrics"]:
        cells = "".join(_cell(c[1].get(metric)).rjust(width) for c in columns)
        lines.append(metric.ljust(24) + cells)
    lines.append("")
    counts = denominators(summary)
    for metric in summary["metrics"]:
        what, over = METRIC_HELP.get(metric, ("", ""))
        lines.append(f"{metric}: {what}; over {over} (n={counts.get(metric, '?')} of all)")
    return "\n".join(lines)


def denominators(summary: dict) -> dict[str, int]:
    """How many questions of the whole set each metric is computed over."""
    rows = summary.get("per_question", [])
    counts = {m: sum(r.get(f) is not None for r in rows) for m, f in _DENOMINATOR_FIELD.items()}
    counts["abstention_accuracy"] = summary.get("n_unanswerable", 0)
    counts["false_abstention_rate"] = summary.get("n_answerable", 0)
    counts["declined_or_doubted"] = summary.get("n_unanswerable", 0)
    counts["right_doubted"] = sum(bool(r.get("contains")) for r in rows)
    counts["latency_p50_s"] = counts["latency_p95_s"] = summary.get("n", 0)
    return counts


def _cell(value) -> str:
    return "-" if value is None else f"{value}"


def render_report(summary: dict, *, title: str, anchors: dict | None = None, settings: dict | None = None) -> str:
    """The whole report page."""
    ours = _our_anchor_row(summary)
    body = [
        f"<h1>{_e(title)}</h1>",
        f"<p>{summary['n']} questions ({summary['n_answerable']} answerable, {summary['n_unanswerable']} "
        f"unanswerable) in {summary.get('wall_s', 0)} s.</p>",
    ]
    if settings:
        body.append("<p class=small>" + " · ".join(f"{_e(k)}: {_e(str(v))}" for k, v in settings.items()) + "</p>")
    body += ["<h2>Metrics</h2>", _metrics_html(summary), "<h2>Plots</h2>", "<div class=plots>",
             _figure("Metrics (%)", _bar_chart([(m, summary["metrics"].get(m)) for m in PERCENT_METRICS])),
             _figure("Latency per question (s)", _histogram([r["latency_s"] for r in summary["per_question"]]))]
    if anchors:
        body.append(_figure("Against the anchors (%)", _anchor_chart(ours, anchors)))
    body.append("</div>")
    if anchors:
        body += ["<h2>Anchors</h2>", _anchor_table(ours, anchors)]
    body += ["<h2>Questions</h2>", _question_table(summary["per_question"])]
    return _PAGE.format(title=_e(title), body="\n".join(body))


def _our_anchor_row(summary: dict) -> dict:
    row = {key: summary["metrics"].get(metric) for metric, key in ANCHOR_KEYS.items() if metric in summary["metrics"]}
    subset = summary.get("by", {}).get("answer_in_corpus", {}).get("true")
    if subset:
        row["contains_in"] = subset["metrics"]["contains"]
        row["f1_in"] = subset["metrics"]["f1"]
    return row


def _metrics_html(summary: dict) -> str:
    columns = [("all", summary["metrics"], summary["n"])]
    for name, groups in summary.get("by", {}).items():
        columns += [(f"{name}={value}", group["metrics"], group["n"]) for value, group in groups.items()]
    head = "".join(f"<th>{_e(c[0])} (n={c[2]})</th>" for c in columns)
    counts = denominators(summary)
    rows = "".join(
        f"<tr><td>{_e(m)}</td>" + "".join(f"<td class=num>{_cell(c[1].get(m))}</td>" for c in columns)
        + f"<td class=small>{_e(METRIC_HELP.get(m, ('', ''))[0])}</td>"
        + f"<td class=small>{_e(METRIC_HELP.get(m, ('', ''))[1])} ({counts.get(m, '?')})</td></tr>"
        for m in summary["metrics"]
    )
    return f"<table class=metrics><tr><th>metric</th>{head}<th>what it measures</th><th>over (n, all)</th></tr>{rows}</table>"


def _anchor_table(ours: dict, anchors: dict) -> str:
    keys = ["em", "f1", "contains", "contains_in", "f1_in", "mc"]
    rows = [("newsqa (this run)", ours)] + sorted(anchors.items(), key=lambda kv: -(kv[1].get("contains_in") or 0))
    head = "".join(f"<th>{k}</th>" for k in keys)
    body = "".join(
        f"<tr{' class=ours' if i == 0 else ''}><td>{_e(name)}</td>"
        + "".join(f"<td class=num>{_cell(row.get(k))}</td>" for k in keys) + "</tr>"
        for i, (name, row) in enumerate(rows)
    )
    return f"<table class=metrics><tr><th>system</th>{head}</tr>{body}</table>"


def _question_table(rows: Sequence[dict]) -> str:
    head = ("<tr><th>id</th><th>question</th><th>gold</th><th>answer</th><th>correct?</th>"
            "<th>citations</th><th>first gold chunk rank</th><th>latency (s)</th></tr>")
    body = []
    for row in rows:
        ok = _correct(row)
        citations = "".join(
            f"<li><b>{_e(c['title'] or c['article_id'])}</b>{' · ' + _e(c['published']) if c['published'] else ''}"
            f"<br><q>{_e(c['quote'])}</q></li>" for c in row["citations"]
        )
        gold = " | ".join(row["answers"]) or "(not answerable)"
        choice = f" <span class=small>(choice {row['mc_choice']}: {'right' if row['mc_correct'] else 'wrong'})</span>" \
            if row.get("mc_choice") is not None else ""
        if row.get("doubtful"):
            choice += " <span class=small>(doubted by the support check)</span>"
        body.append(
            f"<tr class='{'ok' if ok else 'fail'}'><td>{_e(row['id'])}</td><td>{_e(row['question'])}</td>"
            f"<td>{_e(gold)}</td><td>{_e(row['answer'])}{choice}</td><td>{'yes' if ok else 'no'}</td>"
            f"<td><ol>{citations}</ol></td><td class=num>{_cell(row.get('rank'))}</td>"
            f"<td class=num>{row['latency_s']}</td></tr>"
        )
    toggle = ("<label><input type=checkbox id=failures onchange=\"document.body.classList.toggle('only-failures', "
              "this.checked)\"> show failures only</label>")
    return f"{toggle}<table class=questions id=questions>{head}{''.join(body)}</table>"


def _correct(row: dict) -> bool:
    if row["answerable"]:
        return bool(row["contains"])
    return bool(row["abstained"])


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{_e(caption)}</figcaption>{svg}</figure>"


def _bar_chart(items: Sequence[tuple[str, float | None]], maximum: float = 100.0) -> str:
    bar, gap, label_w, width = 18, 6, 170, 300
    height = len(items) * (bar + gap) + gap
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{label_w + width + 60}' height='{height}' role='img'>"]
    for i, (name, value) in enumerate(items):
        y = gap + i * (bar + gap)
        length = 0 if value is None else width * max(0.0, min(value, maximum)) / maximum
        parts.append(f"<text x='0' y='{y + 13}' font-size='12'>{_e(name)}</text>")
        parts.append(f"<rect x='{label_w}' y='{y}' width='{length:.1f}' height='{bar}' fill='#3b6ea5'/>")
        parts.append(f"<text x='{label_w + length + 4:.1f}' y='{y + 13}' font-size='12'>{_cell(value)}</text>")
    return "".join(parts) + "</svg>"


def _histogram(values: Sequence[float], bins: int = 12) -> str:
    width, height, pad = 420, 180, 28
    if not values:
        return f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='40'><text y='20'>no data</text></svg>"
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(int((v - low) / span * bins), bins - 1)] += 1
    top = max(counts)
    step = (width - 2 * pad) / bins
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' role='img'>"]
    for i, count in enumerate(counts):
        h = (height - 2 * pad) * count / top
        x = pad + i * step
        parts.append(f"<rect x='{x:.1f}' y='{height - pad - h:.1f}' width='{step - 2:.1f}' height='{h:.1f}' fill='#a5563b'>"
                     f"<title>{count} questions</title></rect>")
    parts.append(f"<text x='{pad}' y='{height - 8}' font-size='11'>{low:.2f} s</text>")
    parts.append(f"<text x='{width - pad - 40}' y='{height - 8}' font-size='11'>{high:.2f} s</text>")
    parts.append(f"<text x='2' y='{pad - 8}' font-size='11'>max {top}</text>")
    return "".join(parts) + "</svg>"


def _anchor_chart(ours: dict, anchors: dict) -> str:
    items = []
    for key in ("contains", "contains_in", "mc"):
        items.append((f"newsqa · {key}", ours.get(key)))
        best = max(anchors.items(), key=lambda kv: kv[1].get(key) or 0)
        items.append((f"best anchor · {key}", best[1].get(key)))
    return _bar_chart(items)


def _e(text: str) -> str:
    return html.escape(str(text))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.fail td:nth-child(5) {{ color: #a00; font-weight: bold; }}
tr.ours td {{ font-weight: bold; background: #eef4fb; }}
.plots {{ display: flex; flex-wrap: wrap; gap: 2em; }}
figcaption {{ font-weight: bold; margin-bottom: .5em; }}
.small {{ color: #666; font-size: 90%; }}
body.only-failures tr.ok {{ display: none; }}
q {{ color: #444; }}
</style></head><body>
{body}
</body></html>
"""
