"""``report.md``: the review as GitHub-flavoured Markdown (a wiki page or a PR comment).

Escaping is the template engine's job, not the template author's: the
Markdown environment's ``finalize`` hook escapes every ``{{ value }}`` with
:func:`~auditor.render.markdown_escape.md_escape` unless a filter already made
it safe (:class:`MdSafe`). Strings that came from AWS (resource names,
evidence, commands) go into code spans or fenced code blocks through the
``code``/``cell``/``fence`` filters, where nothing is interpreted at all: no
link, image, HTML, @mention, #reference or math can come out of them.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from auditor import __version__
from auditor.render.markdown_escape import defuse_mentions, md_escape
from auditor.render.view import DocBlock, ReportView, doc_blocks, fmt_score, visible
from auditor.resources import reports_dir

TEMPLATE = "report.md.j2"

#: Rows of one status listed per rule in Markdown (a PR comment must stay short).
MAX_MD_ROWS = 10

_BACKTICKS = re.compile(r"`+")


class MdSafe(str):
    """Markdown that is safe to emit as is (produced by the filters below)."""

    __slots__ = ()


def _one_line(text: str) -> str:
    return visible(text).replace("\n", " ")


def md_code(value: Any) -> MdSafe:
    """``value`` as an inline code span (outside tables): rendered literally, never as markup."""
    text = _one_line(str(value))
    if not text:
        return MdSafe("")
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return MdSafe(f"{fence}{pad}{text}{pad}{fence}")


def md_cell(value: Any) -> MdSafe:
    """A code span that is safe inside a table cell.

    GFM splits a row on every ``|`` not preceded by a backslash, even inside a
    code span, and turns ``\\|`` back into ``|``: so every pipe is escaped.
    """
    return MdSafe(md_code(value).replace("|", "\\|"))


# GFM's extended autolinks start at ``scheme://`` and ``www.``: a backslash before
# the ``:`` or ``.`` keeps the text and loses the link.
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(?=://)|(?<=\bwww)(?=\.)", re.IGNORECASE)


def md_text(value: Any) -> MdSafe:
    """Plain text, escaped (what ``{{ value }}`` does by default).

    :func:`md_escape` does the Markdown; bare URLs are also kept from
    becoming links (GitHub autolinks them).
    """
    if isinstance(value, MdSafe):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        return MdSafe(_AUTOLINK.sub(lambda _: "\\", md_escape(_one_line(str(value)))))
    return MdSafe(str(value))


def md_html(value: Any) -> MdSafe:
    """Text inside a raw HTML line (``<summary>``), where Markdown is not parsed: HTML-escaped."""
    return MdSafe(defuse_mentions(html.escape(_one_line(str(value)), quote=True)))


def md_fence(value: Any, info: str = "sh") -> MdSafe:
    """A fenced code block; the fence is longer than any backtick run inside."""
    text = visible(str(value), lines=True)
    longest = max((len(m) for m in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return MdSafe(f"{fence}{info}\n{text}\n{fence}")


def md_doc(text: str) -> MdSafe:
    """Rule documentation: paragraphs and list items with inline code, code blocks fenced."""
    out: list[str] = []
    for block in doc_blocks(text):
        out.append(_doc_block(block))
    return MdSafe("\n\n".join(out))


def _doc_block(block: DocBlock) -> str:
    if block.kind == "code":
        return md_fence(block.parts[0][1], "")
    inline = "".join(md_code(part) if is_code else md_text(part) for is_code, part in block.parts)
    return f"- {inline}" if block.kind == "li" else inline


def md_built(value: Any) -> MdSafe:
    """Markdown the template built itself (a macro's output, whose AWS strings already
    went through the filters above): emitted as it is, line breaks kept."""
    return MdSafe(str(value))


def _finalize(value: Any) -> Any:
    return md_text(value)


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(reports_dir()),
        autoescape=False,  # Markdown, not HTML: escaping is done by finalize (see above)
        finalize=_finalize,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["code"] = md_code
    env.filters["cell"] = md_cell
    env.filters["fence"] = md_fence
    env.filters["doc"] = md_doc
    env.filters["html"] = md_html
    env.filters["built"] = md_built
    env.filters["score"] = fmt_score
    return env


def render_markdown(view: ReportView, *, max_rows: int = MAX_MD_ROWS) -> str:
    template = environment().get_template(TEMPLATE)
    text = template.render(view=view, h=view.headline, max_rows=max_rows, version=__version__)
    # Collapse the blank lines left by template logic (Markdown needs at most one).
    return re.sub(r"\n{3,}", "\n\n", text)
