"""report.html: one self-contained page, its charts inlined as PNG."""

import html

from gtzan.report.figures import accuracy_bars_figure, confusion_figure, png_base64
from gtzan.report.runs import Comparison, DataInfo, Run
from gtzan.report.tables import (
    AUGMENTATION_NOTE, comparison_table, comparisons_note, ensemble_note, headline_figures, intervals_note, paired_table,
)


def report_html(runs: list[Run], data: DataInfo, curve_images: dict[str, str], comparisons: list[Comparison], seed: int) -> str:
    head = runs[0]
    reported = head.evaluation[data.side]
    escape = html.escape
    headline_class = ' class="headline"'
    header, table = comparison_table(runs, data)
    rows = "\n".join(
        f"<tr{headline_class if run is head else ''}><td>{escape(name)}</td>" + "".join(map(_html_cell, cells)) + "</tr>"
        for run, (name, *cells) in zip(runs, table)
    )
    paired_header, paired_rows = paired_table(head, data, comparisons)
    comparison_rows = "\n".join("<tr>" + "".join(map(_html_cell, cells)) + "</tr>" for cells in paired_rows)
    ensemble_paragraph = f"<p>{escape(note)}</p>" if (note := ensemble_note(runs)) else ""
    genres = "\n".join(
        f"<tr><td>{escape(name)}</td><td>{s['precision']:.3f}</td><td>{s['recall']:.3f}</td>"
        f"<td>{s['f1']:.3f}</td><td>{s['support']}</td></tr>"
        for name, s in reported["per_genre"].items()
    )
    confusions = "\n".join(
        f"<li>{escape(pair['actual'])} taken for {escape(pair['predicted'])}: {pair['count']} segments "
        f"({pair['share_of_errors']:.0%} of the errors)</li>"
        for pair in reported["top_confusions"]
    ) or "<li>none</li>"
    curves = "\n".join(
        f'<figure><img alt="learning curves of {escape(run.name)}" src="data:image/png;base64,{curve_images[run.name]}"></figure>'
        for run in runs if not run.is_ensemble
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Genre classifiers compared</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
.wide {{ overflow-x: auto; }}
th, td {{ border: 1px solid #ccc; padding: 0.3em 0.5em; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
tr.headline {{ background: #eef5ff; font-weight: bold; }}
img {{ max-width: 100%; }}
.side {{ display: flex; gap: 2em; align-items: flex-start; flex-wrap: wrap; }}
</style>
</head>
<body>
<h1>Genre classifiers compared</h1>
<p class="data">Data: <strong>{escape(data.description)}</strong>{escape(data.counts)}.</p>
<p>Headline architecture (<code>model.name</code>): <strong>{escape(head.name)}</strong>,
{escape(headline_figures(head, data))}.</p>
<h2>All architectures</h2>
<div class="wide">
<table>
<tr>{''.join(f'<th>{escape(cell)}</th>' for cell in header)}</tr>
{rows}
</table>
</div>
<p>{escape(intervals_note(head, data, seed))}</p>
<p>{escape(data.spec_note)}</p>
<p>{escape(AUGMENTATION_NOTE)}</p>
{ensemble_paragraph}
<img alt="{data.side_words} accuracy by model, with 95 % intervals" src="data:image/png;base64,{png_base64(accuracy_bars_figure(runs, data))}">
<h2>{escape(head.name)} against each other model, on the {data.side_words} side</h2>
<p>{escape(comparisons_note(head, data))}</p>
<table>
<tr>{''.join(f'<th>{escape(cell)}</th>' for cell in paired_header)}</tr>
{comparison_rows}
</table>
<h2>{escape(head.name)} on the {data.side_words} side</h2>
<div class="side">
<img alt="confusion matrix of {escape(head.name)}" src="data:image/png;base64,{png_base64(confusion_figure(head, data))}" style="max-width: 560px">
<div>
<table>
<tr><th>genre</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>
{genres}
</table>
<p>Most frequent confusions:</p>
<ul>
{confusions}
</ul>
</div>
</div>
<h2>Learning curves</h2>
{curves}
</body>
</html>
"""


def _html_cell(cell: str) -> str:
    """A table cell; a narrow column breaks a figure before its interval, never inside it."""
    return "<td>" + html.escape(cell).replace(", ", ",&nbsp;").replace(" pts", "&nbsp;pts") + "</td>"
