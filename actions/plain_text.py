"""Text from outside, made safe to parse, store and show.

Used by Rasa before NLU (``channels/message_limit.py``: every message of every
channel) and by the action server for text that reaches a record through
message metadata (the department). Plain Python, so the action server does not
import Rasa for it.

:func:`clean_text` removes what no official means to type and what breaks
storage or display, and keeps everything else (any script, right-to-left
text, emoji, quotes, ``<`` and ``>``, SQL):

* control characters except tab, line feed and carriage return; NUL among
  them, which PostgreSQL refuses in a text column (the record would be lost);
* lone UTF-16 surrogates (JSON can carry ``"\\ud800"``), which cannot be
  encoded as UTF-8 for the database, the logs or the reply;
* invisible format characters: zero-width spaces and joiners, the byte order
  mark, soft hyphens and the bidirectional embedding/override/isolate
  controls (they hide or reorder text: "vä\\u200bnortsavtal" would not be
  recognised, and a reviewer could be shown text in a misleading order);
  emoji joined by a zero-width joiner are shown as their separate emoji;
* and it composes characters (NFC), so "a" + combining ring is "å" as NLU
  and the lemmatizer know it.
"""
from __future__ import annotations

import re
import unicodedata

_REMOVED = re.compile(
    "["
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1 controls except \t \n \r
    "\ud800-\udfff"  # lone surrogates
    "\u00ad\u061c\u180e"  # soft hyphen, Arabic letter mark, Mongolian vowel separator
    "\u200b-\u200f"  # zero-width space, non-joiner, joiner; LRM, RLM
    "\u202a-\u202e"  # bidi embeddings and overrides
    "\u2060-\u2064\u2066-\u206f"  # word joiner, invisible operators, bidi isolates, deprecated formats
    "\ufeff\ufff9-\ufffb\ufffe\uffff"  # BOM, interlinear annotations, noncharacters
    "]"
)


def clean_text(text: str) -> str:
    """``text`` without control, surrogate and invisible format characters, NFC-composed."""
    return unicodedata.normalize("NFC", _REMOVED.sub("", text))
