"""Escaping of untrusted text (names, tags, evidence from AWS) for Markdown.

:func:`md_escape` turns any string into Markdown *inline text* that renders as
exactly that string on GitHub, GitLab and any CommonMark renderer, and that
cannot break out of a table cell: no emphasis, link, image, code span, raw
HTML, heading, list, table pipe, strikethrough or math can be smuggled in.

How:

* Line breaks, tabs, other control characters and bidirectional overrides
  become a single space (one cell stays one cell; one paragraph stays one
  paragraph; text cannot display reversed).
* ``&``, ``<`` and ``>`` become HTML entities (no raw HTML, no entity
  trickery: ``&lt;`` written by an attacker shows as ``&lt;``).
* Every other character with an inline meaning is backslash-escaped, which
  CommonMark defines for all ASCII punctuation: ``\\ ` * _ [ ] ( ) ! | ~ $ #``
  (``$`` is GitHub math, ``|`` a table cell boundary, which GFM honours even
  inside code spans).
* Block syntax that only counts at the start of a line is neutralised at the
  start: ``-``, ``+``, ``=`` and an ordered-list marker such as ``1.``; leading
  spaces (an indented code block) become ``&#32;``.

* An ``@`` that would start a mention (``@octocat``, ``team/@org/admins``:
  not preceded by a letter, digit or ``_``, followed by a letter or digit)
  is followed by ``&#8203;`` (a zero-width space): it shows as written, but
  GitHub notifies nobody. ``alice@example.com`` (an ordinary IAM user name)
  is left alone, as GitHub does not read it as a mention.

Not touched: bare URLs, which GitHub may auto-link but which carry no markup.
The result is for text, never for the inside of a code span or block.
"""

from __future__ import annotations

import re

#: Backslash-escaped anywhere.
_INLINE = frozenset("\\`*_[]()!|~$#")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]+")
_ORDERED_MARKER = re.compile(r"^(\d{1,9})([.)])")
#: An ``@`` GitHub would read as a user or team mention.
_MENTION = re.compile(r"(?<![A-Za-z0-9_])@(?=[A-Za-z0-9])")


def defuse_mentions(text: str) -> str:
    """``text`` with a zero-width space entity after each ``@`` GitHub would read as a
    mention (also for raw HTML lines such as ``<summary>``, where text is not escaped
    the Markdown way but mentions are still linked)."""
    return _MENTION.sub("@&#8203;", text)


def md_escape(text: str) -> str:
    """``text`` as Markdown inline text that renders literally, safe in a table cell."""
    text = _CONTROL.sub(" ", text)
    out: list[str] = []
    for ch in text:
        if ch in _ENTITIES:
            out.append(_ENTITIES[ch])
        elif ch in _INLINE:
            out.append("\\" + ch)
        else:
            out.append(ch)
    escaped = defuse_mentions("".join(out))
    stripped = escaped.lstrip(" ")
    lead = len(escaped) - len(stripped)
    if stripped[:1] in ("-", "+", "="):
        stripped = "\\" + stripped
    else:
        stripped = _ORDERED_MARKER.sub(r"\1\\\2", stripped, count=1)
    return "&#32;" * lead + stripped
