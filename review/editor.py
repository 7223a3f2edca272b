"""The knowledge editor's pages (role ``redaktör``, and admins), under ``/redaktor``.

Editors list the entries per topic (past their review-by date first), edit an
entry or add one, retire one, preview the reply, publish (or, with
``four_eyes``, send for approval and let a second editor approve), and roll
back to an earlier version. Saving validates the whole knowledge as the
action server's start-up does; a refused entry is shown again with the
Swedish message and nothing is saved. Every publish, approval, rollback and
retirement is written to the audit log.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from actions.knowledge import KINDS, RULE_FACTS, TAGS, KnowledgeError
from actions.knowledge_versions import AWAITING, OPEN, VersionError, entry_changes
from review import audit
from review.editor_form import entry_from_form, form_values
from review.editor_labels import CHANGE_LABELS, FIELD_LABELS, KIND_LABELS, STATUS_LABELS, refusal
from review.editor_preview import KnowledgeEditor
from review.labels import topic_label

Page = Callable[..., HTTPResponse]


def _editor(request: Request) -> KnowledgeEditor:
    return request.app.ctx.review.knowledge_editor()


def _form_context(editor: KnowledgeEditor) -> dict[str, Any]:
    return {
        "labels": FIELD_LABELS, "kinds": [(k, KIND_LABELS[k]) for k in KINDS],
        "sources": sorted(((k, s.title) for k, s in editor.frame.sources.items()), key=lambda s: s[1]),
        "rule_facts": RULE_FACTS, "tags": TAGS, "asks_known": editor.frame.asks,
    }


def register_editor_routes(app: Sanic, page: Page, guarded: Callable, error: Callable) -> None:
    """The editor's routes; ``page``, ``guarded`` and ``error`` are the review app's own helpers."""

    async def run(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
        return await request.app.ctx.review.run(fn, *args)

    async def log(request: Request, action: str, detail: str) -> None:
        state = request.app.ctx.review
        await state.run(state.audit, request.ctx.user, action, None, detail)

    @app.get("/redaktor")
    @guarded(editor=True)
    async def editor_start(request: Request) -> HTTPResponse:
        editor = _editor(request)
        today = request.app.ctx.review.today()
        rows = await run(request, editor.rows, today)
        live = await run(request, editor.live)
        topics = [(t, topic_label(t), [r for r in rows if r.topic == t and not r.overdue]) for t in editor.topics]
        return page(request, "editor_start.html", title="Kunskapsbasen", overdue=[r for r in rows if r.overdue],
                    topics=topics, statuses=STATUS_LABELS, live=live, four_eyes=request.app.ctx.review.config.four_eyes,
                    drafts=[r for r in rows if r.draft_id is not None])

    def entry_page(request: Request, editor: KnowledgeEditor, values: dict[str, str], *, new: bool,
                   status: int = 200, message: Optional[str] = None, retired: bool = False) -> HTTPResponse:
        title = "Ny post" if new else f"Redigera post: {values.get('title') or values.get('id')}"
        return page(request, "editor_entry.html", status=status, title=title, values=values, new=new,
                    message=message, retired=retired, topic_name=topic_label(values.get("topic")),
                    topics=[(t, topic_label(t)) for t in editor.topics], **_form_context(editor))

    def current_entry(editor: KnowledgeEditor, entry_id: str) -> Optional[dict]:
        draft = editor.store.open_draft_of(entry_id)
        if draft is not None:
            return draft.content
        return editor.live().entry(entry_id)

    @app.get("/redaktor/post/<entry_id:str>")
    @guarded(editor=True)
    async def edit_entry(request: Request, entry_id: str) -> HTTPResponse:
        editor = _editor(request)
        entry = await run(request, current_entry, editor, entry_id)
        if entry is None:
            return error(request, 404, "Posten finns inte.")
        return entry_page(request, editor, form_values(entry), new=False, retired=bool(entry.get("retired")))

    async def save(request: Request, editor: KnowledgeEditor, base: dict, new: bool) -> HTTPResponse:
        entry = entry_from_form(request.form, base)
        user = request.ctx.user
        try:
            draft = await run(request, editor.store.save_draft, entry, user.name)
        except KnowledgeError as exc:
            return entry_page(request, editor, form_values(entry), new=new, status=422, message=refusal(exc))
        await log(request, audit.SAVE_DRAFT, f"{draft.entry_id} (utkast {draft.id})")
        return redirect(f"/redaktor/utkast/{draft.id}")

    @app.post("/redaktor/post/<entry_id:str>")
    @guarded(editor=True)
    async def save_entry(request: Request, entry_id: str) -> HTTPResponse:
        editor = _editor(request)
        base = await run(request, current_entry, editor, entry_id)
        if base is None:
            return error(request, 404, "Posten finns inte.")
        return await save(request, editor, base, new=False)

    @app.get("/redaktor/ny")
    @guarded(editor=True)
    async def new_entry_form(request: Request) -> HTTPResponse:
        editor = _editor(request)
        topic = request.args.get("amne") or editor.topics[0]
        values = form_values({"topic": topic, "id": f"{topic}.", "kind": "strategy", "asks": ["what"]})
        return entry_page(request, editor, values, new=True)

    @app.post("/redaktor/ny")
    @guarded(editor=True)
    async def add_entry(request: Request) -> HTTPResponse:
        editor = _editor(request)
        base = {"id": (request.form.get("id") or "").strip(), "topic": (request.form.get("topic") or "").strip()}
        live = await run(request, editor.live)
        if live.entry(base["id"]) is not None or await run(request, editor.store.open_draft_of, base["id"]):
            values = form_values(entry_from_form(request.form, base))
            exc = KnowledgeError("duplicate", "id", "duplicate_id")
            return entry_page(request, editor, values, new=True, status=422, message=refusal(exc))
        return await save(request, editor, base, new=True)

    @app.post("/redaktor/post/<entry_id:str>/avveckla")
    @guarded(editor=True)
    async def retire_entry(request: Request, entry_id: str) -> HTTPResponse:
        editor = _editor(request)
        entry = await run(request, current_entry, editor, entry_id)
        if entry is None:
            return error(request, 404, "Posten finns inte.")
        try:
            draft = await run(request, editor.store.save_draft, dict(entry, retired=True), request.ctx.user.name)
        except KnowledgeError as exc:
            return entry_page(request, editor, form_values(entry), new=False, status=422, message=refusal(exc))
        await log(request, audit.RETIRE_ENTRY, f"{entry_id} (utkast {draft.id})")
        return redirect(f"/redaktor/utkast/{draft.id}")

    @app.get("/redaktor/utkast/<draft_id:int>")
    @guarded(editor=True)
    async def show_draft(request: Request, draft_id: int) -> HTTPResponse:
        return await draft_page(request, draft_id)

    async def draft_page(request: Request, draft_id: int, message: Optional[str] = None,
                         status: int = 200) -> HTTPResponse:
        editor = _editor(request)
        draft = await run(request, editor.store.draft, draft_id)
        if draft is None:
            return error(request, 404, "Utkastet finns inte.")
        counterpart = request.args.get("motpart") or None

        def build() -> tuple:
            live = editor.live()
            change = entry_changes(live.entry(draft.entry_id), draft.content)
            entries = editor.draft_entries(draft) if draft.status in (OPEN, AWAITING) else []
            return change, (editor.preview(entries, draft.entry_id, counterpart) if entries else None)

        change, preview = await run(request, build)
        user = request.ctx.user
        config = request.app.ctx.review.config
        may_approve = draft.status == AWAITING and user.name not in (draft.author, draft.requested_by)
        return page(request, "editor_draft.html", status=status, title=f"Utkast till {draft.entry_id}", draft=draft,
                    change=change, preview=preview, samples=editor.samples, counterpart=counterpart,
                    four_eyes=config.four_eyes, may_approve=may_approve, message=message, labels=FIELD_LABELS,
                    change_labels=CHANGE_LABELS, statuses=STATUS_LABELS)

    async def draft_step(request: Request, draft_id: int, step: str) -> HTTPResponse:
        editor, user = _editor(request), request.ctx.user
        four_eyes = request.app.ctx.review.config.four_eyes
        try:
            if step == "skicka":
                draft = await run(request, editor.store.request_approval, draft_id, user.name)
                await log(request, audit.REQUEST_APPROVAL, f"{draft.entry_id} (utkast {draft_id})")
                return redirect(f"/redaktor/utkast/{draft_id}")
            if step == "kasta":
                await run(request, editor.store.discard_draft, draft_id, user.name)
                await log(request, audit.DISCARD_DRAFT, f"utkast {draft_id}")
                return redirect("/redaktor")
            draft = await run(request, editor.store.draft, draft_id)
            version = await run(request, editor.store.publish_draft, draft_id, user.name, four_eyes)
        except (KnowledgeError, VersionError) as exc:
            return await draft_page(request, draft_id, message=refusal(exc), status=409)
        action = audit.APPROVE if four_eyes else audit.PUBLISH
        await log(request, action, f"version {version.id}: {draft.entry_id} (utkast {draft_id})")
        return redirect(f"/redaktor/versioner#version-{version.id}")

    for step in ("skicka", "publicera", "kasta"):
        async def handler(request: Request, draft_id: int, step: str = step) -> HTTPResponse:
            return await draft_step(request, draft_id, step)

        handler.__name__ = f"draft_{step}"
        app.add_route(guarded(editor=True)(handler), f"/redaktor/utkast/<draft_id:int>/{step}", methods=["POST"])

    @app.get("/redaktor/versioner")
    @guarded(editor=True)
    async def versions(request: Request) -> HTTPResponse:
        editor = _editor(request)
        await run(request, editor.live)
        listed = await run(request, editor.store.versions)
        return page(request, "editor_versions.html", title="Versioner av kunskapsbasen", versions=listed,
                    labels=FIELD_LABELS, change_labels=CHANGE_LABELS)

    @app.post("/redaktor/versioner/<version_id:int>/aterstall")
    @guarded(editor=True)
    async def rollback(request: Request, version_id: int) -> HTTPResponse:
        editor = _editor(request)
        try:
            version = await run(request, editor.store.rollback, version_id, request.ctx.user.name)
        except (KnowledgeError, VersionError) as exc:
            return error(request, 409, refusal(exc))
        await log(request, audit.ROLLBACK, f"version {version.id} återställer version {version_id}")
        return redirect(f"/redaktor/versioner#version-{version.id}")
