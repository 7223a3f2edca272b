"""Tables and heat maps for make eval."""
from __future__ import annotations

from pathlib import Path

from evaluation.metrics import Scores


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def summary_table(results: list[Scores]) -> str:
    columns = ["system", "topic accuracy", "macro-F1", "out-of-scope precision", "out-of-scope recall",
               "counterpart F1", "answered without clarification"]
    rows = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for r in results:
        direct = _pct(r.direct_answer_rate) if r.direct_answer_rate is not None else "–"
        rows.append(f"| {r.system} | {_pct(r.accuracy)} | {r.macro_f1:.3f} | {r.oos_precision:.3f} | "
                    f"{r.oos_recall:.3f} | {r.counterpart_f1:.3f} | {direct} |")
    return "\n".join(rows)


def per_topic_table(results: list[Scores]) -> str:
    labels = sorted({label for r in results for label in r.per_topic})
    header = "| topic | " + " | ".join(f"{r.system} P / R / F1" for r in results) + " | n |"
    rows = [header, "|---" * (len(results) + 2) + "|"]
    for label in labels:
        cells = []
        support = 0
        for r in results:
            p, rec, f, n = r.per_topic.get(label, (0.0, 0.0, 0.0, 0))
            support = max(support, n)
            cells.append(f"{p:.2f} / {rec:.2f} / {f:.2f}")
        rows.append(f"| {label} | " + " | ".join(cells) + f" | {support} |")
    return "\n".join(rows)


def confusion_table(r: Scores) -> str:
    """Off-diagonal confusions only, most frequent first."""
    pairs = [(r.confusion[i][j], r.labels[i], r.labels[j])
             for i in range(len(r.labels)) for j in range(len(r.labels)) if i != j and r.confusion[i][j]]
    rows = ["| true topic | predicted | count |", "|---|---|---|"]
    rows += [f"| {t} | {p} | {n} |" for n, t, p in sorted(pairs, reverse=True)]
    return "\n".join(rows)


def heat_map(r: Scores, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 8))
    ax.imshow(r.confusion, cmap="Blues")
    ax.set_xticks(range(len(r.labels)), r.labels, rotation=90, fontsize=8)
    ax.set_yticks(range(len(r.labels)), r.labels, fontsize=8)
    for i, row in enumerate(r.confusion):
        for j, n in enumerate(row):
            if n:
                ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                        color="white" if n > max(map(max, r.confusion)) / 2 else "black")
    ax.set_xlabel("predicted topic")
    ax.set_ylabel("true topic")
    ax.set_title(f"{r.system}: confusion on held-out questions")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


def write_report(results: list[Scores], out: Path, n_questions: int, n_training: int) -> str:
    out.mkdir(parents=True, exist_ok=True)
    parts = [f"# NLU evaluation: {n_questions} held-out questions, {n_training} training examples", "",
             summary_table(results), "", "## Per topic", "", per_topic_table(results)]
    for r in results:
        image = out / f"confusion-{slug(r.system)}.png"
        heat_map(r, image)
        parts += ["", f"## Confusions: {r.system}", "", f"![confusion]({image.name})", "", confusion_table(r)]
    report = "\n".join(parts) + "\n"
    (out / "report.md").write_text(report, encoding="utf-8")
    return report
