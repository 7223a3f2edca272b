"""Reading the editor's entry form out of its HTML, as a browser would submit it (tests only)."""
from __future__ import annotations

import html
import re

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(page_html: str) -> str:
    return CSRF_FIELD.search(page_html).group(1)


def entry_form(page_html: str) -> dict[str, str]:
    """The values the entry form of ``page_html`` would submit."""
    form_html = re.search(r'<form method="post" class="editor".*?</form>', page_html, re.S).group(0)
    values = {name: html.unescape(value) for name, value in re.findall(r'<input[^>]*name="(\w+)" value="([^"]*)"', form_html)}
    values.update({name: html.unescape(body) for name, body in
                   re.findall(r'<textarea[^>]*name="(\w+)"[^>]*>(.*?)</textarea>', form_html, re.S)})
    for name, options in re.findall(r'<select[^>]*name="(\w+)">(.*?)</select>', form_html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = html.unescape(chosen.group(1)) if chosen else ""
    return values
