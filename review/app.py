"""The review web app (Sanic): ``create_app(engine, config)``; ``python -m review.app`` serves it.

Pages need a signed-in user. Viewers see aggregates with the small-group rule;
admins may also open single records, and every such opening (and every export
or listing of question texts) is written to the audit log.
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from functools import partial, wraps
from typing import Any, Callable, Coroutine, Optional
from urllib.parse import quote

from sanic import Sanic
from sanic.exceptions import NotFound
from sanic.request import Request
from sanic.response import HTTPResponse, html, raw, redirect, text
from sqlalchemy.engine import Engine

from actions.records import COUNTERPART_TYPES, OUTCOMES, create_engine, migrate
from actions.records import engagement_records as er
from review import audit, queries
from review.auth import (
    COOKIE_NAME, LoginThrottle, Session, SessionCodec, client_address, resolve_user, sso_user, verify_password,
)
from review.clusters import Lemmatizer, content_lemmatizer
from review.config import ReviewConfig, User, load_config
from review.editor import register_editor_routes
from review.editor_preview import KnowledgeEditor
from review.filters import Filters, parse_filters
from review.labels import COUNTERPART_TYPE_LABELS, OUTCOME_LABELS, entry_label, label, topic_label
from review.pages import PAGES, UNANSWERED_GROUPS, PageContext, PageSpec, audit_table, unanswered_list
from review.render import STATIC, present, render_template
from review.suggestions import knowledge_entries, training_examples
from review.tables import Table, to_csv

logger = logging.getLogger(__name__)
Handler = Callable[..., Coroutine[Any, Any, HTTPResponse]]

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
CSRF_REFUSED = "Formuläret har gått ut eller saknar säkerhetstoken. Ladda om sidan och försök igen."
RECORD_FIELDS = (
    ("created_at", "Tid (UTC)"), ("question", "Fråga"), ("topic", "Ämne"), ("intent", "Tolkad avsikt"),
    ("intent_confidence", "Säkerhet"), ("outcome", "Utfall"), ("feedback", "Återkoppling"),
    ("feedback_comment", "Kommentar till återkopplingen"),
    ("counterpart", "Motpart"), ("counterpart_type", "Typ av motpart"), ("principle_ids", "Besvarad med post"),
    ("entry_confidence", "Säkerhet i valet av post"), ("from_context", "Följdfråga (tolkad ur samtalet)"),
    ("department", "Förvaltning"), ("channel", "Kanal"), ("conversation_id", "Samtal (pseudonym)"),
    ("kb_version", "Kunskapsbasens version"), ("model_id", "Modell"), ("id", "Post-id"),
)


class ReviewState:
    """What the handlers share: engine, configuration, codecs and a worker pool."""

    def __init__(
        self, engine: Engine, config: ReviewConfig,
        lemmatizer: Optional[Lemmatizer], today: Callable[[], date],
    ) -> None:
        self.engine = engine
        self.config = config
        self.codec = SessionCodec(config.session_secret, config.session_hours * 3600)
        self.throttle = LoginThrottle(config.login_attempts, config.login_window_minutes * 60,
                                      address_limit=config.login_address_attempts)
        self.today = today
        self._lemmatizer = lemmatizer
        self._lemmatizer_lock = threading.Lock()
        self.executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="review")
        self.editor: Optional[KnowledgeEditor] = None  # built on first use (review/editor.py)
        self._editor_lock = threading.Lock()

    def knowledge_editor(self) -> KnowledgeEditor:
        """The knowledge's versions and the editor's view of them, built on first use."""
        with self._editor_lock:
            if self.editor is None:
                self.editor = KnowledgeEditor.for_engine(self.engine)
            return self.editor

    def lemmatizer(self) -> Lemmatizer:
        with self._lemmatizer_lock:
            if self._lemmatizer is None:
                self._lemmatizer = content_lemmatizer()
            return self._lemmatizer

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Blocking work (database, charts, spaCy) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, partial(fn, *args))

    def audit(self, user: User, action: str, record_id: Optional[str] = None, detail: Optional[str] = None) -> None:
        audit.write(self.engine, user.name, user.role, action, record_id, detail)


def _state(request: Request) -> ReviewState:
    return request.app.ctx.review


def _args(request: Request) -> dict[str, str]:
    return {key: request.args.get(key) for key in request.args}


def _filters(request: Request) -> Filters:
    return parse_filters(_args(request), today=_state(request).today())


def _is_tls(request: Request, config: ReviewConfig) -> bool:
    if config.cookie_secure != "auto":
        return config.cookie_secure == "always"
    if request.scheme == "https":
        return True
    forwarded = request.headers.get("x-forwarded-proto", "").lower()
    return forwarded == "https" and config.trusts_proxy(request.ip)


def _safe_next(target: Optional[str]) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/oversikt"


def _page(request: Request, template: str, status: int = 200, **context: Any) -> HTTPResponse:
    state = _state(request)
    body = render_template(
        template,
        user=request.ctx.user,
        csrf_token=state.codec.csrf_token(request.ctx.session),
        pages=PAGES.values(),
        path=request.path,
        **context,
    )
    return html(body, status=status)


def _error(request: Request, status: int, message: str) -> HTTPResponse:
    if request.ctx.user is None and status != 429:
        return text(message, status=status)
    return _page(request, "error.html", status=status, title="Fel", message=message)


def _identify(request: Request) -> Optional[Session]:
    """The request's session and user (``request.ctx``); the decoded session cookie, or None."""
    state = _state(request)
    session = state.codec.decode(request.cookies.get(COOKIE_NAME))
    request.ctx.session_changed = session is None
    request.ctx.session = session or state.codec.new()
    request.ctx.user = sso_user(state.config, request.ip, request.headers) or resolve_user(state.config, session)
    return session


def guarded(admin: bool = False, page: bool = True, editor: bool = False) -> Callable[[Handler], Handler]:
    """Require a signed-in user (and the admin role when ``admin``, an editor or admin when ``editor``).

    Pages redirect anonymous visitors to the login form; downloads answer 401.
    """

    def decorate(handler: Handler) -> Handler:
        @wraps(handler)
        async def wrapper(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            user: Optional[User] = request.ctx.user
            if user is None:
                if page:
                    target = request.path + (f"?{request.query_string}" if request.query_string else "")
                    return redirect(f"/logga-in?nasta={quote(target, safe='')}")
                return text("Inloggning krävs.", status=401)
            if admin and not user.is_admin:
                return _error(request, 403, "Du har inte behörighet att se enskilda frågor.")
            if editor and not user.can_edit:
                return _error(request, 403, "Du har inte behörighet att redigera kunskapsbasen.")
            return await handler(request, *args, **kwargs)

        return wrapper

    return decorate


def _filter_options(state: ReviewState) -> dict[str, list[tuple[str, str]]]:
    with state.engine.connect() as conn:
        topics = queries.distinct_values(conn, er.c.topic)
        departments = queries.distinct_values(conn, er.c.department)
        channels = queries.distinct_values(conn, er.c.channel)
    return {
        "topic": [(t, topic_label(t)) for t in topics],
        "department": [(d, d) for d in departments],
        "channel": [(c, label("channel", c)) for c in channels],
        "outcome": [(o, OUTCOME_LABELS[o]) for o in OUTCOMES],
        "counterpart_type": [(c, COUNTERPART_TYPE_LABELS[c]) for c in COUNTERPART_TYPES],
    }


def _build(state: ReviewState, spec: PageSpec, filters: Filters, group_by: str, admin: bool) -> list[Table]:
    with state.engine.connect() as conn:
        ctx = PageContext(conn, filters, state.config, state.lemmatizer, group_by)
        tables = spec.build(ctx)
        if admin and spec.key == "obesvarade":
            tables.append(unanswered_list(ctx))
    return tables


def _page_handler(spec: PageSpec) -> Handler:
    @guarded()
    async def show(request: Request) -> HTTPResponse:
        state, user = _state(request), request.ctx.user
        filters = _filters(request)
        group_by = request.args.get("group_by") or "reason"
        tables = await state.run(_build, state, spec, filters, group_by, user.is_admin)
        views = await state.run(present, tables, user.is_admin, state.config.small_group)
        overdue = await state.run(_overdue_entries, state) if spec.key == "oversikt" and user.can_edit else None
        listed = next((t for t in tables if t.extra.get("records")), None)
        if listed is not None:
            detail = f"{len(listed.rows)} poster, {filters.query_string()}"
            await state.run(state.audit, user, audit.LIST_UNANSWERED, None, detail)
        return _page(
            request, "page.html", title=spec.title, spec=spec, views=views, filters=filters,
            options=await state.run(_filter_options, state), query=filters.query_string(group_by=group_by),
            group_by=group_by, groups=UNANSWERED_GROUPS, small_group=state.config.small_group,
            overdue_entries=overdue,
        )

    show.__name__ = f"page_{spec.key.replace('-', '_')}"
    return show


def _csv_handler(spec: PageSpec) -> Handler:
    @guarded(page=False)
    async def export(request: Request, table_key: str) -> HTTPResponse:
        state, user = _state(request), request.ctx.user
        filters = _filters(request)
        tables = await state.run(_build, state, spec, filters, request.args.get("group_by") or "reason", user.is_admin)
        table = next((t for t in tables if t.key == table_key), None)
        if table is None:
            return text("Tabellen finns inte.", status=404)
        if table.extra.get("records"):
            await state.run(state.audit, user, audit.EXPORT_UNANSWERED, None, f"CSV, {len(table.rows)} poster")
        shown = present([table], user.is_admin, state.config.small_group, charts=False)[0].table
        filename = f"lotsen-{spec.key}-{table.key}-{filters.describe()}.csv"
        return raw(
            to_csv(shown), content_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    export.__name__ = f"csv_{spec.key.replace('-', '_')}"
    return export


def _yaml(body: str, filename: str) -> HTTPResponse:
    return text(
        body, content_type="text/yaml; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _unanswered_records(state: ReviewState, filters: Filters) -> list[dict[str, Any]]:
    with state.engine.connect() as conn:
        return queries.unanswered_records(conn, filters, state.config.low_confidence)


def _get_record(state: ReviewState, record_id: str) -> Optional[dict[str, Any]]:
    with state.engine.connect() as conn:
        return queries.record(conn, record_id)


def _conversation(state: ReviewState, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation's questions in order, labelled for the record page."""
    with state.engine.connect() as conn:
        rows = queries.conversation(conn, conversation_id)
    return [dict(r, created_at=r["created_at"].strftime("%Y-%m-%d %H:%M:%S"), topic=topic_label(r["topic"]),
                 outcome=label("outcome", r["outcome"]), entries=", ".join(r["principle_ids"] or []))
            for r in rows]


def _overdue_entries(state: ReviewState) -> int:
    """Entries past their review-by date (the overview tells editors)."""
    return sum(1 for row in state.knowledge_editor().rows(state.today()) if row.overdue)


def _cited_entries(state: ReviewState, record: dict[str, Any]) -> Optional[list[dict[str, Any]]]:
    """The cited entries' text in the knowledge version that answered (None: a version not in the database)."""
    version_id = str(record.get("kb_version") or "")
    if not version_id.isdigit():
        return None
    editor = state.knowledge_editor()
    version = editor.store.get(int(version_id))
    if version is None:
        return None
    sources = editor.frame.sources
    cited = []
    for entry_id in record.get("principle_ids") or []:
        entry = version.entry(entry_id)
        if entry is None:
            cited.append({"id": entry_id, "missing": True})
            continue
        source = sources.get(str(entry.get("source")))
        cited.append(dict(entry, source_title=source.title if source else entry.get("source")))
    return cited


def _record_rows(record: dict[str, Any]) -> list[tuple[str, str]]:
    shown = []
    for key, title in RECORD_FIELDS:
        value = record.get(key)
        if key == "topic":
            value = topic_label(value)
        elif key in ("outcome", "feedback", "counterpart_type", "channel"):
            value = label(key, value) if value else ""
        elif key == "created_at" and isinstance(value, datetime):
            value = value.strftime("%Y-%m-%d %H:%M:%S")
        elif key == "principle_ids":
            value = "; ".join(entry_label(i) for i in value or [])
        elif key in ("intent_confidence", "entry_confidence") and value is not None:
            value = f"{value:.2f}".replace(".", ",")
        elif key == "from_context":
            value = "Ja" if value else "Nej"
        shown.append((title, "" if value is None else str(value)))
    return shown


def register_routes(app: Sanic) -> None:
    for spec in PAGES.values():
        app.add_route(_page_handler(spec), f"/{spec.key}", methods=["GET"])
        app.add_route(_csv_handler(spec), f"/{spec.key}/csv/<table_key:str>", methods=["GET"])

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        return redirect("/oversikt")

    @app.get("/healthz")
    async def health(request: Request) -> HTTPResponse:
        return text("ok")

    @app.get("/logga-in")
    async def login_form(request: Request) -> HTTPResponse:
        return _page(request, "login.html", title="Logga in", next=_safe_next(request.args.get("nasta")))

    @app.post("/logga-in")
    async def login(request: Request) -> HTTPResponse:
        state = _state(request)
        username = (request.form.get("username") or "").strip()[:200]
        password = request.form.get("password") or ""
        target = _safe_next(request.form.get("nasta"))
        address = client_address(state.config, request.ip, request.headers)  # behind nginx: the browser's
        if state.throttle.blocked(address, username):
            return _page(request, "login.html", status=429, title="Logga in", next=target,
                         error="För många misslyckade inloggningar. Vänta en stund och försök igen.")
        delay = state.throttle.delay(username)
        if delay:
            await asyncio.sleep(delay)  # a name guessed from many addresses: slower, never locked
        user = state.config.users.get(username)
        if not await state.run(verify_password, user, password):
            state.throttle.failed(address, username)
            await state.run(audit.write, state.engine, username or "(tomt)", "-", audit.LOGIN_FAILED, None, address)
            return _page(request, "login.html", status=401, title="Logga in", next=target,
                         error="Fel användarnamn eller lösenord.")
        assert user is not None
        state.throttle.succeeded(address, username)
        await state.run(state.audit, user, audit.LOGIN, None, address)
        request.ctx.session = state.codec.new(user=user.name)  # fresh nonce: no session fixation
        request.ctx.session_changed = True
        return redirect(target)

    @app.post("/logga-ut")
    async def logout(request: Request) -> HTTPResponse:
        request.ctx.session = _state(request).codec.new()
        request.ctx.session_changed = True
        return redirect("/logga-in")

    @app.exception(NotFound)
    async def not_found(request: Request, exception: NotFound) -> HTTPResponse:
        # An unknown address is a page a person sees: the error page (HTML with
        # its language and title), not Sanic's plain text. Routing failed before
        # the request middleware ran, so the visitor is identified here.
        if not hasattr(request.ctx, "user"):
            _identify(request)
        return _page(request, "error.html", status=404, title="Sidan finns inte",
                     message="Sidan finns inte. Kontrollera adressen eller gå till översikten.")

    @app.get("/poster/<record_id:str>")
    @guarded(admin=True)
    async def open_record(request: Request, record_id: str) -> HTTPResponse:
        state = _state(request)
        record = await state.run(_get_record, state, record_id)
        if record is None:
            return _error(request, 404, "Posten finns inte.")
        await state.run(state.audit, request.ctx.user, audit.OPEN_RECORD, record_id)
        conversation = await state.run(_conversation, state, record["conversation_id"])
        cited = await state.run(_cited_entries, state, record)
        return _page(request, "record.html", title="Enskild fråga", fields=_record_rows(record), record_id=record_id,
                     conversation=conversation, cited=cited, kb_version=record.get("kb_version"))

    @app.get("/poster/<record_id:str>/<shape:str>")
    @guarded(admin=True, page=False)
    async def export_record(request: Request, record_id: str, shape: str) -> HTTPResponse:
        state = _state(request)
        if shape not in ("traningsexempel", "kunskapspost"):
            return text("Okänt format.", status=404)
        record = await state.run(_get_record, state, record_id)
        if record is None:
            return text("Posten finns inte.", status=404)
        await state.run(state.audit, request.ctx.user, audit.EXPORT_RECORD, record_id, shape)
        if shape == "traningsexempel":
            return _yaml(training_examples([record]), f"traningsexempel-{record_id[:8]}.yml")
        body = await state.run(lambda: knowledge_entries([record], state.lemmatizer()))
        return _yaml(body, f"kunskapspost-{record_id[:8]}.yml")

    @app.get("/obesvarade/export/<shape:str>")
    @guarded(admin=True, page=False)
    async def export_unanswered(request: Request, shape: str) -> HTTPResponse:
        state = _state(request)
        if shape not in ("traningsexempel", "kunskapsposter"):
            return text("Okänt format.", status=404)
        filters = _filters(request)
        records = await state.run(_unanswered_records, state, filters)
        await state.run(state.audit, request.ctx.user, audit.EXPORT_UNANSWERED, None,
                        f"{shape}, {len(records)} poster, {filters.query_string()}")
        if shape == "traningsexempel":
            return _yaml(training_examples(records), f"traningsexempel-{filters.describe()}.yml")
        body = await state.run(lambda: knowledge_entries(records, state.lemmatizer()))
        return _yaml(body, f"kunskapsposter-{filters.describe()}.yml")

    @app.get("/granskningslogg")
    @guarded(admin=True)
    async def audit_log(request: Request) -> HTTPResponse:
        state = _state(request)

        def build() -> list:
            with state.engine.connect() as conn:
                return present([audit_table(conn)], True, state.config.small_group, charts=False)

        return _page(request, "audit.html", title="Granskningslogg", views=await state.run(build))


def register_middleware(app: Sanic) -> None:
    @app.on_request
    async def identify(request: Request) -> Optional[HTTPResponse]:
        state = _state(request)
        session = _identify(request)
        if request.method == "POST":
            token = request.form.get("csrf_token") if request.form else None
            token = token or request.headers.get("x-csrf-token")
            if not state.codec.csrf_valid(session, token):
                logger.warning("refused POST %s without a valid CSRF token from %s", request.path,
                               client_address(state.config, request.ip, request.headers))
                return _page(request, "error.html", status=403, title="Formuläret har gått ut", message=CSRF_REFUSED)
        return None

    @app.on_response
    async def finish(request: Request, response: HTTPResponse) -> None:
        state = _state(request)
        if getattr(request.ctx, "session_changed", False):
            response.cookies[COOKIE_NAME] = state.codec.encode(request.ctx.session)
            cookie = response.cookies[COOKIE_NAME]
            cookie["httponly"] = True
            cookie["samesite"] = "Lax"
            cookie["path"] = "/"
            cookie["max-age"] = int(state.config.session_hours * 3600)
            if _is_tls(request, state.config):
                cookie["secure"] = True
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if not request.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "no-store")


def create_app(
    engine: Engine,
    config: ReviewConfig,
    *,
    name: str = "lotsen_review",
    lemmatizer: Optional[Lemmatizer] = None,
    today: Callable[[], date] = lambda: datetime.now(timezone.utc).date(),
) -> Sanic:
    """The review app on ``engine`` (already migrated) with ``config``."""
    app = Sanic(name, configure_logging=False)
    app.config.FALLBACK_ERROR_FORMAT = "text"
    app.ctx.review = ReviewState(engine, config, lemmatizer, today)
    app.static("/static", str(STATIC), name="static")
    register_middleware(app)
    register_routes(app)
    register_editor_routes(app, _page, guarded, _error)
    return app


def main(argv: Optional[list[str]] = None) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = argparse.ArgumentParser(prog="python -m review.app", description="Serve the review app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8090)
    parser.add_argument("--no-migrate", action="store_true", help="do not upgrade the database first")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = load_config()
    engine = create_engine(config.database_url)
    if not args.no_migrate:
        migrate(engine)
    app = create_app(engine, config)
    app.ctx.review.knowledge_editor().live()  # a new database: knowledge/ becomes version 1 (as the action server does)
    app.run(host=args.host, port=args.port, access_log=False, workers=1)


if __name__ == "__main__":
    main()
