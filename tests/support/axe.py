"""axe-core (WCAG 2.1 A and AA) in the real browser, for every page a person sees.

``axe_violations(page)`` injects the pinned axe-core (``review/node_modules/axe-core/axe.min.js``,
installed from review/package-lock.json like playwright-core) into a
:class:`tests.support.browser.Page` and runs it on the whole document, open
shadow roots included (axe-core walks them itself, so the widget in
``#lotsen``'s shadow root is checked like the page around it).
``assert_accessible(page, "where")`` fails with a readable list of the
violations: rule id, impact, the target selectors, the help text.

    with headless_page() as page:
        page.goto(url)
        assert_accessible(page, "login page")

Only rules tagged ``wcag2a``, ``wcag2aa``, ``wcag21a``, ``wcag21aa`` run (the
project's rule is WCAG 2.1 AA); no rule is ever switched off here. The script
is passed in through Playwright's evaluate, which the pages' strict
Content-Security-Policy does not apply to, so the pages are checked as served.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from tests.support.browser import NODE_PROJECT, ensure_node_packages

WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
AXE_PACKAGE = NODE_PROJECT / "node_modules" / "axe-core"

_RUN_JS = """
async (options) => {
  const result = await window.axe.run(document, options);
  const inShadow = (node) => node.target.some((level) => Array.isArray(level));
  return {
    version: result.testEngine.version,
    url: result.url,
    violations: result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, tags: v.tags,
      nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary, html: n.html.slice(0, 200) })),
    })),
    rules: result.passes.length + result.violations.length + result.incomplete.length,
    shadowNodes: [...result.passes, ...result.violations, ...result.incomplete]
      .reduce((sum, rule) => sum + rule.nodes.filter(inShadow).length, 0),
  };
}
"""


@dataclass
class AxeResult:
    version: str
    url: str
    violations: list[dict[str, Any]]
    rules: int  # rules that applied to something on the page
    shadow_nodes: int  # checked nodes inside shadow roots
    where: str = ""

    def report(self) -> str:
        lines = [f"axe-core {self.version}: {len(self.violations)} WCAG 2.1 A/AA violation(s) on {self.where} ({self.url})"]
        for v in self.violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']}  [{v['helpUrl']}]")
            for node in v["nodes"]:
                lines.append(f"    at {target_text(node['target'])}")
                summary = " ".join((node.get("summary") or "").split())
                if summary:
                    lines.append(f"       {summary[:300]}")
        return "\n".join(lines)


def target_text(target: list) -> str:
    """axe's target: one entry per frame; a list inside it is a path through shadow roots."""
    return " | ".join(" >>> ".join(level) if isinstance(level, list) else str(level) for level in target)


_source: Optional[str] = None


def axe_source() -> str:
    global _source
    if _source is None:
        ensure_node_packages()
        _source = (AXE_PACKAGE / "axe.min.js").read_text(encoding="utf-8")
    return _source


def inject_axe(page: Any) -> None:
    """Put ``window.axe`` into the page's document, unless it is there already."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate("() => {\n" + axe_source() + "\n;return !!window.axe; }")
    assert page.evaluate("() => !!window.axe"), "axe-core did not load into the page"


def axe_violations(page: Any, where: str = "") -> AxeResult:
    """Run axe-core's WCAG 2.1 A/AA rules on the page as it is now."""
    inject_axe(page)
    options = {"runOnly": {"type": "tag", "values": list(WCAG_TAGS)}}
    raw = page.evaluate(_RUN_JS, options)
    return AxeResult(raw["version"], raw["url"], raw["violations"], raw["rules"], raw["shadowNodes"], where)


def assert_accessible(page: Any, where: str, shadow: bool = False) -> AxeResult:
    """Fail with the list of violations unless axe-core finds none; ``shadow`` also
    requires that axe checked elements inside a shadow root (the widget)."""
    result = axe_violations(page, where)
    assert result.rules > 0, f"axe-core checked nothing on {where}"
    if shadow:
        assert result.shadow_nodes > 0, f"axe-core did not see inside the widget's shadow root on {where}"
    assert not result.violations, result.report()
    return result

