"""Stage 8, continued: the written self-evaluation report (绩效自评报告), in Markdown or HTML.

The report follows the structure such reports have (the 2023 seed report's): 一、部门基本情况;
二、绩效自评情况 with （一）自评结论 and one analysis per top-level indicator; 三、存在的主要问题;
四、下一步改进措施; then the scoring table. Its words come from the evaluation: the rubric's own
report sentences, the findings' problems and improvements, the scores. Nothing here knows any
particular year's rubric. The report is built once as a list of blocks, then written out as
Markdown or as one self-contained HTML page that prints on A4.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from decimal import Decimal

from .evaluate import Evaluation, Finding, IndicatorResult
from .language import round_decimal
from .model import Text

_DIGITS = "零一二三四五六七八九"


def chinese_number(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 23 → 二十三 (for headings and 一是、二是; up to 99)."""
    if number < 10:
        return _DIGITS[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def points(value: Decimal) -> str:
    """A score as a report writes it: 99.5, 50, 1.25."""
    return format(value.normalize(), "f") if value != 0 else "0"


@dataclass(frozen=True)
class Block:
    kind: str  # "title", "heading", "subheading", "paragraph", "table"
    text: str = ""
    rows: tuple[tuple[str, ...], ...] = ()
    depths: tuple[int, ...] = ()


def _zh(text: Text | None) -> str:
    return text.zh if text else ""


def _under(evaluation: Evaluation, root: IndicatorResult) -> list[IndicatorResult]:
    """`root` and all below it, in tree order."""
    ids = {root.id}
    found = []
    for result in evaluation.indicators:
        if result.id in ids or result.parent in ids:
            ids.add(result.id)
            found.append(result)
    return found


def _findings_under(evaluation: Evaluation, root: IndicatorResult) -> list[Finding]:
    ids = {result.id for result in _under(evaluation, root)}
    return [finding for finding in evaluation.findings if finding.indicator in ids]


def _sentences(results: list[IndicatorResult]) -> str:
    return "".join(text.zh for result in results for text in result.narrative)


def _analysis(evaluation: Evaluation, root: IndicatorResult) -> str:
    """The paragraph analysing one top-level indicator: area by area when it has areas."""
    children = [result for result in evaluation.indicators if result.parent == root.id and result.status == "scored"]
    opening = _sentences([root])
    if any(any(r.parent == child.id for r in evaluation.indicators) for child in children):
        parts = []
        for number, child in enumerate(children, start=1):
            told = _sentences(_under(evaluation, child))
            parts.append(f"{chinese_number(number)}是{child.name.zh}方面，{told or '得分 ' + points(child.score) + ' 分。'}")
        body = "".join(parts)
    else:
        body = _sentences([result for result in _under(evaluation, root) if result.id != root.id])
    text = opening + body or f"{root.name.zh}得分 {points(root.score)} 分。"
    findings = _findings_under(evaluation, root)
    if findings:
        text += "存在问题：" + "".join(f.problem.zh for f in findings)
        text += "改进方向：" + "".join(f.improvement.zh for f in findings)
    return text


def blocks(evaluation: Evaluation) -> list[Block]:
    narrative = evaluation.narrative
    roots = [result for result in evaluation.indicators if result.parent is None]
    title = _zh(narrative.title) or f"{evaluation.rubric_title.zh}报告"
    found: list[Block] = [Block("title", title)]

    found.append(Block("heading", "一、部门基本情况"))
    found.append(Block("paragraph", "".join(text.zh for text in narrative.basic) or "（评分规则未提供部门基本情况的文字。）"))

    found.append(Block("heading", "二、绩效自评情况"))
    found.append(Block("subheading", "（一）自评结论"))
    dimensions = "，".join(
        f"{root.name.zh}{'不适用' if root.status == 'not_applicable' else '自评分 ' + points(root.score) + ' 分'}" for root in roots
    )
    conclusion = (
        f"部门整体支出绩效自评结果为 {points(evaluation.total)} 分（满分 {points(evaluation.maximum)} 分），"
        f"其中{dimensions}，评价等级为“{_zh(evaluation.grade)}”。"
    )
    found.append(Block("paragraph", conclusion + "".join(text.zh for text in narrative.conclusion)))
    number = 2
    for root in roots:
        if root.status == "not_applicable":
            continue
        found.append(Block("subheading", f"（{chinese_number(number)}）{root.name.zh}分析"))
        found.append(Block("paragraph", _analysis(evaluation, root)))
        number += 1

    found.append(Block("heading", "三、存在的主要问题"))
    found.extend(_numbered([finding.problem.zh for finding in evaluation.findings]))
    found.append(Block("heading", "四、下一步改进措施"))
    found.extend(_numbered([finding.improvement.zh for finding in evaluation.findings]))

    found.append(Block("heading", "评分表"))
    rows = [("指标", "分值", "得分", "扣分")]
    depths = [0]
    for result in evaluation.indicators:
        if result.status == "not_applicable":
            rows.append((result.name.zh, points(result.weight), "不适用", "—"))
        else:
            ceiling = round_decimal(result.effective_weight, 2, "half_up")
            lost = max(ceiling - result.score, Decimal(0))
            rows.append((result.name.zh, points(ceiling), points(result.score), points(lost)))
        depths.append(result.depth)
    rows.append(("合计", points(evaluation.maximum), points(evaluation.total), points(evaluation.maximum - evaluation.total)))
    depths.append(0)
    found.append(Block("table", rows=tuple(rows), depths=tuple(depths)))
    return found


def _numbered(texts: list[str]) -> list[Block]:
    if not texts:
        return [Block("paragraph", "无。")]
    return [Block("paragraph", f"（{chinese_number(number)}）{text}") for number, text in enumerate(texts, start=1)]


def to_markdown(evaluation: Evaluation) -> str:
    lines: list[str] = []
    for block in blocks(evaluation):
        if block.kind == "title":
            lines += [f"# {block.text}", ""]
        elif block.kind == "heading":
            lines += [f"## {block.text}", ""]
        elif block.kind == "subheading":
            lines += [f"### {block.text}", ""]
        elif block.kind == "paragraph":
            lines += [block.text, ""]
        else:
            header, *body = block.rows
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|---|---:|---:|---:|")
            for row, depth in zip(body, block.depths[1:], strict=True):
                name = "　" * depth + _escape_cell(row[0])
                lines.append("| " + " | ".join((name,) + row[1:]) + " |")
            lines.append("")
    lines += [_provenance(evaluation), ""]
    return "\n".join(lines)


def _escape_cell(text: str) -> str:
    return text.replace("|", "\\|")


def _provenance(evaluation: Evaluation) -> str:
    provenance = evaluation.provenance
    return (
        f"评分规则 {provenance.rubric_id} {provenance.rubric_version}（SHA-256 {provenance.rubric_sha256}）；"
        f"事实 SHA-256 {provenance.facts_sha256}；rubric {provenance.library_version}。"
    )


_STYLE = """
@page { size: A4; margin: 25mm 22mm; }
body { font-family: "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", serif;
       font-size: 14pt; line-height: 1.8; color: #000; max-width: 170mm; margin: 0 auto; }
h1 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 20pt; text-align: center; margin: 0 0 1.2em; }
h2 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 15pt; margin: 1.2em 0 0.4em; }
h3 { font-family: "KaiTi", "STKaiti", serif; font-size: 14pt; margin: 0.8em 0 0.3em; }
p { text-indent: 2em; margin: 0 0 0.4em; text-align: justify; }
table { border-collapse: collapse; width: 100%; font-size: 11pt; line-height: 1.4; page-break-inside: auto; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #000; padding: 3px 6px; }
td.number, th.number { text-align: right; white-space: nowrap; }
tr.total td { font-weight: bold; }
footer { margin-top: 2em; font-size: 9pt; color: #444; word-break: break-all; }
"""


def to_html(evaluation: Evaluation) -> str:
    body: list[str] = []
    title = ""
    for block in blocks(evaluation):
        text = html.escape(block.text)
        if block.kind == "title":
            title = text
            body.append(f"<h1>{text}</h1>")
        elif block.kind == "heading":
            body.append(f"<h2>{text}</h2>")
        elif block.kind == "subheading":
            body.append(f"<h3>{text}</h3>")
        elif block.kind == "paragraph":
            body.append(f"<p>{text}</p>")
        else:
            header, *rows = block.rows
            number_class = ' class="number"'
            cells = "".join(f"<th{number_class if index else ''}>{html.escape(cell)}</th>" for index, cell in enumerate(header))
            table = [f"<table>\n<thead><tr>{cells}</tr></thead>\n<tbody>"]
            for position, (row, depth) in enumerate(zip(rows, block.depths[1:], strict=True)):
                css = ' class="total"' if position == len(rows) - 1 else ""
                name = f'<td style="padding-left: {0.4 + 1.5 * depth:.1f}em">{html.escape(row[0])}</td>'
                numbers = "".join(f'<td class="number">{html.escape(cell)}</td>' for cell in row[1:])
                table.append(f"<tr{css}>{name}{numbers}</tr>")
            table.append("</tbody>\n</table>")
            body.append("\n".join(table))
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<footer>{html.escape(_provenance(evaluation))}</footer>\n</body>\n</html>\n"
    )
