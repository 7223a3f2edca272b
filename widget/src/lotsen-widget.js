/*
 * Lotsen — intranet help widget and full-page web chat.
 *
 * Embedding (see docs/widget.md):
 *   <div id="lotsen" data-server="http://localhost:5005"
 *        data-department="Kulturförvaltningen"></div>
 *   <script src="/lotsen-widget.js"></script>
 * With data-mode="page" the same chat fills the element instead of opening
 * from a button in the corner.
 *
 * It talks to Rasa's `socketio` channel (session_persistence: true):
 *   -> session_request {session_id}      <- session_confirm <session_id>
 *   -> user_uttered {message, session_id, metadata: {department}}
 *   <- bot_uttered {text, quick_replies|buttons}
 *   <- bot_uttered {custom: {lotsen: {record_id}}}  (the record of the answer
 *      just sent; the thumbs under that answer name it)
 *
 * Security: every piece of text from the bot or the user reaches the page as
 * text nodes (textContent / Node.append(string)); links are <a> elements built
 * with DOM APIs and only for http(s) URLs. Nothing is ever parsed as HTML.
 */
import { io } from 'socket.io-client';
import css from './lotsen-widget.css';

const VERSION = '1.0.0';
const MAX_HISTORY = 200;
// Far above the server's limit (2 000 characters, docs/reliability.md): a longer paste
// reaches the server, which says it was too long and answers its first part,
// instead of being cut here without a word.
const MAX_MESSAGE_LENGTH = 100000;
const MAX_COMMENT_LENGTH = 500;
const TYPING_TIMEOUT_MS = 30000;
const SVG_NS = 'http://www.w3.org/2000/svg';

/* Swedish interface text, in one place. */
const T = {
  launcher: 'Fråga Lotsen',
  launcherOpen: 'Stäng Lotsen',
  title: 'Lotsen',
  subtitle: 'Frågor om internationellt samarbete',
  close: 'Stäng chatten',
  restart: 'Börja om',
  restartLabel: 'Börja om: töm konversationen och starta en ny',
  conversation: 'Konversation med Lotsen',
  you: 'Du:',
  bot: 'Lotsen:',
  inputLabel: 'Skriv din fråga till Lotsen',
  placeholder: 'Skriv din fråga …',
  send: 'Skicka',
  hint: 'Enter skickar, Skift+Enter ger ny rad. Skriv inte personuppgifter i chatten.',
  intro: 'Hej! Jag är Lotsen. Fråga mig om din förvaltning får eller hur den kan samarbeta internationellt, till exempel om vänortsavtal, delegationsbesök, EU-projekt eller tjänsteresor.',
  connecting: 'Ansluter till Lotsen …',
  disconnected: 'Anslutningen till Lotsen bröts. Försöker igen …',
  unreachable: 'Lotsen går inte att nå just nu. Försöker igen …',
  typing: 'Lotsen skriver …',
  quickReplies: 'Svarsalternativ',
  feedbackGroup: 'Återkoppling på svaret',
  feedbackQuestion: 'Hjälpte svaret?',
  thumbsUp: 'Ja',
  thumbsUpLabel: 'Ja, svaret hjälpte',
  thumbsDown: 'Nej',
  thumbsDownLabel: 'Nej, svaret hjälpte inte',
  commentLabel: 'Vad var fel eller saknades? (frivilligt, skriv inga personuppgifter)',
  commentSend: 'Skicka återkoppling',
  commentCancel: 'Avbryt',
  newWindow: '(öppnas i nytt fönster)',
  source: 'Källa:',
  image: 'Bild:',
};

/* Icons: paths from Material Icons (Apache License 2.0). */
const ICONS = {
  chat: 'M20 2H4c-1.1 0-2 .9-2 2v18l4-4h14c1.1 0 2-.9 2-2V4c0-1.1-.9-2-2-2zm0 14H5.17L4 17.17V4h16v12z',
  close: 'M19 6.41 17.59 5 12 10.59 6.41 5 5 6.41 10.59 12 5 17.59 6.41 19 12 13.41 17.59 19 19 17.59 13.41 12z',
  restart: 'M17.65 6.35A7.958 7.958 0 0 0 12 4a8 8 0 1 0 7.74 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z',
  thumbUp: 'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z',
  thumbDown: 'M15 3H6c-.83 0-1.54.5-1.84 1.22l-3.02 7.05c-.09.23-.14.47-.14.73v2c0 1.1.9 2 2 2h6.31l-.95 4.57-.03.32c0 .41.17.79.44 1.06L9.83 23l6.59-6.59c.36-.36.58-.86.58-1.41V5c0-1.1-.9-2-2-2zm4 0v12h4V3h-4z',
};

/* ---- small DOM helpers (text only, never HTML) ---------------------------- */

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function icon(name) {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('fill', 'currentColor');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.appendChild(path);
  return svg;
}

function srOnly(text) {
  return el('span', 'sr-only', text);
}

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?'"»”’)\]}]$/;

/* Strip sentence punctuation that follows a URL, keeping balanced brackets. */
function trimUrl(candidate) {
  let url = candidate;
  while (TRAILING_PUNCTUATION.test(url)) {
    const last = url[url.length - 1];
    if (last === ')' && (url.match(/\(/g) || []).length >= (url.match(/\)/g) || []).length) break;
    url = url.slice(0, -1);
  }
  return url;
}

function safeHref(candidate) {
  try {
    const parsed = new URL(candidate);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch (_err) {
    return null;
  }
}

/* Append `text` to `parent` as text nodes, with http(s) URLs as links. */
export function appendLinkified(parent, value) {
  const text = String(value);
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    const href = safeHref(url);
    if (!href) continue;
    if (match.index > last) parent.append(text.slice(last, match.index));
    const link = el('a', null, url);
    link.href = href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.append(srOnly(` ${T.newWindow}`));
    parent.append(link);
    last = match.index + url.length;
  }
  if (last < text.length) parent.append(text.slice(last));
}

/* A bot answer: paragraphs, "• " bullets as a list, the "Källa:" line marked. */
export function renderBotText(container, text) {
  let list = null;
  for (const raw of String(text).split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line.startsWith('• ')) {
      if (!list) {
        list = el('ul');
        container.append(list);
      }
      const item = el('li');
      appendLinkified(item, line.slice(2));
      list.append(item);
      continue;
    }
    list = null;
    if (!line.trim()) continue;
    if (line.startsWith(T.source)) {
      const source = el('p', 'source');
      source.append(el('span', 'source-label', T.source));
      appendLinkified(source, line.slice(T.source.length));
      container.append(source);
      continue;
    }
    const paragraph = el('p');
    appendLinkified(paragraph, line);
    container.append(paragraph);
  }
}

/* ---- storage (sessionStorage by default; falls back to memory) ------------ */

class Store {
  constructor(kind, prefix) {
    this.prefix = prefix;
    this.memory = new Map();
    this.backend = null;
    try {
      const backend = kind === 'local' ? window.localStorage : window.sessionStorage;
      const probe = `${prefix}probe`;
      backend.setItem(probe, '1');
      backend.removeItem(probe);
      this.backend = backend;
    } catch (_err) {
      this.backend = null;
    }
  }

  get(key, fallback) {
    try {
      const raw = this.backend ? this.backend.getItem(this.prefix + key) : this.memory.get(key);
      return raw == null ? fallback : JSON.parse(raw);
    } catch (_err) {
      return fallback;
    }
  }

  set(key, value) {
    const raw = JSON.stringify(value);
    try {
      if (this.backend) this.backend.setItem(this.prefix + key, raw);
      else this.memory.set(key, raw);
    } catch (_err) {
      this.memory.set(key, raw);
    }
  }

  remove(key) {
    try {
      if (this.backend) this.backend.removeItem(this.prefix + key);
    } catch (_err) { /* ignore */ }
    this.memory.delete(key);
  }
}

/* ---- protocol helpers ------------------------------------------------------ */

const RECORD_ID = /^[A-Za-z0-9-]{1,64}$/;

/* The record id in a bot_uttered payload: {custom: {lotsen: {record_id}}},
 * or {lotsen: {record_id}} as Rasa's socketio channel emits custom JSON. */
export function recordIdOf(payload) {
  if (!payload || typeof payload !== 'object') return null;
  for (const candidate of [payload.custom, payload.data, payload]) {
    const lotsen = candidate && typeof candidate === 'object' ? candidate.lotsen : null;
    const id = lotsen && typeof lotsen === 'object' ? lotsen.record_id : null;
    if (typeof id === 'string' && RECORD_ID.test(id)) return id;
  }
  return null;
}

function repliesOf(payload) {
  const raw = Array.isArray(payload.quick_replies) ? payload.quick_replies
    : Array.isArray(payload.buttons) ? payload.buttons : [];
  return raw
    .filter((b) => b && typeof b.title === 'string' && typeof b.payload === 'string')
    .map((b) => ({ title: b.title, payload: b.payload }));
}

function sessionIdOf(data) {
  if (typeof data === 'string') return data;
  if (data && typeof data === 'object' && typeof data.session_id === 'string') return data.session_id;
  return null;
}

export function feedbackMessage(value, recordId, comment) {
  const entities = { feedback_value: value, record_id: recordId };
  if (comment) entities.feedback_comment = comment;
  return `/feedback${JSON.stringify(entities)}`;
}

/* ---- the widget ------------------------------------------------------------ */

let sharedSheet = null;
let instanceCount = 0;

function attachStyles(root) {
  try {
    if (!sharedSheet) {
      sharedSheet = new CSSStyleSheet();
      sharedSheet.replaceSync(css);
    }
    root.adoptedStyleSheets = [sharedSheet];
  } catch (_err) {
    // Browsers without constructable style sheets: a <style> element
    // (a strict CSP then needs the style hash, see docs/widget.md).
    root.append(el('style', null, css));
  }
}

class LotsenWidget {
  constructor(host, options = {}) {
    const data = host.dataset;
    this.host = host;
    this.server = (options.server || data.server || window.location.origin).replace(/\/+$/, '');
    this.socketPath = options.socketPath || data.socketPath || '/socket.io/';
    // WebSocket first: it needs no CORS set-up on Rasa. HTTP long-polling
    // (the fallback) from another origin needs `rasa run --cors <origin>`.
    this.transports = String(options.transports || data.transports || 'websocket,polling')
      .split(',').map((t) => t.trim()).filter((t) => t === 'websocket' || t === 'polling');
    if (!this.transports.length) this.transports = ['websocket', 'polling'];
    this.department = (options.department || data.department || '').trim() || null;
    this.mode = (options.mode || data.mode) === 'page' ? 'page' : 'widget';
    this.title = options.title || data.title || T.title;
    this.store = new Store(options.storage || data.storage, `lotsen:v1:${this.server}:`);
    this.uid = `lotsen-${++instanceCount}`;
    this.sessionId = this.store.get('session', null);
    this.confirmed = false;
    this.outbox = [];
    this.history = this.store.get('history', []);
    if (!Array.isArray(this.history)) this.history = [];
    this.nextId = this.history.reduce((max, e) => Math.max(max, e.id || 0), 0) + 1;
    this.typingTimer = null;

    this.build();
    this.renderHistory();
    this.connect();
    if (this.mode === 'widget' && this.store.get('open', false)) this.open({ focus: false });
  }

  /* -- DOM ------------------------------------------------------------------ */

  build() {
    const host = this.host;
    host.setAttribute('data-lotsen-mounted', VERSION);
    host.setAttribute('lang', 'sv');
    const root = host.shadowRoot || host.attachShadow({ mode: 'open' });
    this.root = root;
    attachStyles(root);

    const wrap = el('div', `lotsen mode-${this.mode}`);
    this.wrap = wrap;
    const panelId = `${this.uid}-panel`;
    const titleId = `${this.uid}-title`;

    if (this.mode === 'widget') {
      const launcher = el('button', 'launcher');
      launcher.type = 'button';
      launcher.setAttribute('aria-expanded', 'false');
      launcher.setAttribute('aria-controls', panelId);
      launcher.append(icon('chat'), el('span', 'launcher-text', T.launcher));
      launcher.addEventListener('click', () => (this.isOpen() ? this.close() : this.open()));
      this.launcher = launcher;
      wrap.append(launcher);
    }

    const panel = el('section', 'panel');
    panel.id = panelId;
    panel.setAttribute('aria-labelledby', titleId);
    if (this.mode === 'widget') {
      panel.setAttribute('role', 'dialog');
      panel.setAttribute('aria-modal', 'false');
      panel.hidden = true;
    } else {
      panel.setAttribute('role', 'region');
    }
    this.panel = panel;

    const header = el('div', 'header');
    const titles = el('div', 'titles');
    const h2 = el('h2', null, this.title);
    h2.id = titleId;
    titles.append(h2, el('p', null, T.subtitle));
    const restart = el('button', 'restart');
    restart.type = 'button';
    restart.setAttribute('aria-label', T.restartLabel);
    restart.append(icon('restart'), el('span', 'label-restart', T.restart));
    restart.addEventListener('click', () => this.restart());
    header.append(titles, restart);
    if (this.mode === 'widget') {
      const close = el('button', 'close');
      close.type = 'button';
      close.setAttribute('aria-label', T.close);
      close.append(icon('close'));
      close.addEventListener('click', () => this.close());
      header.append(close);
    }

    this.status = el('p', 'status');
    this.status.setAttribute('role', 'status');

    const log = el('div', 'log');
    log.setAttribute('tabindex', '0');
    log.setAttribute('role', 'region');
    log.setAttribute('aria-label', T.conversation);
    this.log = log;
    this.list = el('ol', 'messages');
    log.append(this.list);

    // Screen readers hear each new bot message from this live region; the
    // visible list stays quiet so buttons and history are not read out.
    this.live = el('div', 'sr-only');
    this.live.setAttribute('aria-live', 'polite');
    this.live.setAttribute('aria-atomic', 'false');

    this.typing = el('p', 'typing', T.typing);
    this.typing.setAttribute('aria-hidden', 'true');
    this.typing.hidden = true;

    const form = el('form', 'composer');
    form.noValidate = true;
    const inputId = `${this.uid}-input`;
    const label = el('label', 'sr-only', T.inputLabel);
    label.htmlFor = inputId;
    const input = el('textarea');
    input.id = inputId;
    input.rows = 1;
    input.maxLength = MAX_MESSAGE_LENGTH;
    input.placeholder = T.placeholder;
    input.setAttribute('autocomplete', 'off');
    input.setAttribute('aria-describedby', `${this.uid}-hint`);
    input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submitInput();
      }
    });
    const send = el('button', 'btn-primary send', T.send);
    send.type = 'submit';
    form.append(label, input, send);
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.submitInput();
    });
    this.input = input;

    const hint = el('p', 'hint', T.hint);
    hint.id = `${this.uid}-hint`;

    panel.append(header, this.status, log, this.typing, form, hint, this.live);
    wrap.append(panel);
    wrap.addEventListener('keydown', (event) => this.onKeydown(event));
    root.append(wrap);
  }

  isOpen() {
    return this.mode === 'page' || !this.panel.hidden;
  }

  open({ focus = true } = {}) {
    if (this.mode !== 'widget') return;
    this.panel.hidden = false;
    this.wrap.classList.add('open');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.launcher.querySelector('.launcher-text').textContent = T.launcherOpen;
    this.store.set('open', true);
    this.scrollToEnd();
    if (focus) this.input.focus();
  }

  close() {
    if (this.mode !== 'widget') return;
    this.panel.hidden = true;
    this.wrap.classList.remove('open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.querySelector('.launcher-text').textContent = T.launcher;
    this.store.set('open', false);
    this.launcher.focus();
  }

  onKeydown(event) {
    if (event.key === 'Escape' && this.isOpen() && this.mode === 'widget' && !event.defaultPrevented) {
      event.preventDefault();
      this.close();
    }
  }

  scrollToEnd() {
    this.log.scrollTop = this.log.scrollHeight;
  }

  setStatus(text, isError = false) {
    this.status.textContent = text || '';
    this.status.classList.toggle('error', Boolean(isError));
  }

  setTyping(on) {
    clearTimeout(this.typingTimer);
    this.typing.hidden = !on;
    if (on) this.typingTimer = setTimeout(() => this.setTyping(false), TYPING_TIMEOUT_MS);
  }

  announce(text) {
    const item = el('p', null, `${T.bot} ${text}`);
    this.live.append(item);
    while (this.live.childNodes.length > 3) this.live.firstChild.remove();
  }

  /* -- history and rendering --------------------------------------------------- */

  saveHistory() {
    if (this.history.length > MAX_HISTORY) this.history = this.history.slice(-MAX_HISTORY);
    this.store.set('history', this.history);
  }

  renderHistory() {
    this.list.replaceChildren();
    const intro = el('li', 'msg from-bot intro');
    const bubble = el('div', 'bubble');
    bubble.append(srOnly(`${T.bot} `), el('p', null, T.intro));
    intro.append(bubble);
    this.list.append(intro);
    for (const entry of this.history) this.list.append(this.renderEntry(entry));
    this.scrollToEnd();
  }

  renderEntry(entry) {
    const item = el('li', `msg from-${entry.from === 'user' ? 'user' : 'bot'}`);
    item.dataset.entry = String(entry.id);
    const bubble = el('div', 'bubble');
    if (entry.from === 'user') {
      bubble.append(srOnly(`${T.you} `), entry.text);
    } else {
      bubble.append(srOnly(`${T.bot} `));
      if (entry.text) renderBotText(bubble, entry.text);
      if (entry.image) {
        const p = el('p', null, `${T.image} `);
        appendLinkified(p, entry.image);
        bubble.append(p);
      }
    }
    item.append(bubble);
    if (entry.from === 'bot' && entry.replies && entry.replies.length && !entry.repliesUsed) {
      item.append(this.renderReplies(entry));
    }
    if (entry.from === 'bot' && entry.recordId) item.append(this.renderFeedback(entry));
    return item;
  }

  rerender(entry) {
    const old = this.list.querySelector(`[data-entry="${entry.id}"]`);
    if (!old) return;
    const log = this.log;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    old.replaceWith(this.renderEntry(entry));
    if (atEnd) this.scrollToEnd();
  }

  renderReplies(entry) {
    const group = el('div', 'quick-replies');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', T.quickReplies);
    for (const reply of entry.replies) {
      const button = el('button', null, reply.title);
      button.type = 'button';
      button.addEventListener('click', () => {
        this.sendMessage(reply.payload, reply.title);
        this.input.focus();
      });
      group.append(button);
    }
    return group;
  }

  renderFeedback(entry) {
    const group = el('div', 'feedback');
    group.setAttribute('role', 'group');
    group.setAttribute('aria-label', T.feedbackGroup);
    group.append(el('span', 'question', T.feedbackQuestion));
    const given = entry.feedback || null;
    const make = (value, iconName, text, label) => {
      const button = el('button', `thumb thumb-${value}`);
      button.type = 'button';
      button.setAttribute('aria-label', label);
      button.setAttribute('aria-pressed', given === value ? 'true' : 'false');
      if (given) button.setAttribute('aria-disabled', 'true');
      button.append(icon(iconName), el('span', null, text));
      button.addEventListener('click', () => {
        if (entry.feedback) return;
        if (value === 'up') this.giveFeedback(entry, 'up', null);
        else this.openCommentForm(entry, group, button);
      });
      return button;
    };
    group.append(
      make('up', 'thumbUp', T.thumbsUp, T.thumbsUpLabel),
      make('down', 'thumbDown', T.thumbsDown, T.thumbsDownLabel),
    );
    return group;
  }

  openCommentForm(entry, group, downButton) {
    const item = group.parentNode;
    const existing = item.querySelector('.comment-form');
    if (existing) {
      existing.querySelector('textarea').focus();
      return;
    }
    const form = el('form', 'comment-form');
    form.noValidate = true;
    const id = `${this.uid}-comment-${entry.id}`;
    const label = el('label', null, T.commentLabel);
    label.htmlFor = id;
    const text = el('textarea');
    text.id = id;
    text.rows = 2;
    text.maxLength = MAX_COMMENT_LENGTH;
    const actions = el('div', 'actions');
    const submit = el('button', 'btn-primary', T.commentSend);
    submit.type = 'submit';
    const cancel = el('button', 'btn-secondary', T.commentCancel);
    cancel.type = 'button';
    actions.append(submit, cancel);
    form.append(label, text, actions);
    const dismiss = () => {
      form.remove();
      downButton.focus();
    };
    cancel.addEventListener('click', dismiss);
    form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') {
        event.preventDefault(); // keeps the panel open
        event.stopPropagation();
        dismiss();
      } else if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.target === text) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const comment = text.value.trim().slice(0, MAX_COMMENT_LENGTH) || null;
      this.giveFeedback(entry, 'down', comment);
    });
    item.append(form);
    text.focus();
  }

  giveFeedback(entry, value, comment) {
    if (entry.feedback) return;
    entry.feedback = value;
    this.saveHistory();
    this.sendMessage(feedbackMessage(value, entry.recordId, comment), null);
    this.rerender(entry);
    const pressed = this.list.querySelector(`[data-entry="${entry.id}"] .thumb-${value}`);
    if (pressed) pressed.focus();
  }

  addEntry(entry) {
    entry.id = this.nextId++;
    this.history.push(entry);
    this.saveHistory();
    this.list.append(this.renderEntry(entry));
    this.scrollToEnd();
    return entry;
  }

  /* -- sending ---------------------------------------------------------------- */

  submitInput() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = '';
    this.sendMessage(text.slice(0, MAX_MESSAGE_LENGTH), text);
  }

  /* Send `message` to the bot; show `display` as the user's bubble (none if null). */
  sendMessage(message, display) {
    if (display !== null) {
      let changed = false;
      for (const entry of this.history) {
        if (entry.replies && entry.replies.length && !entry.repliesUsed) {
          entry.repliesUsed = true;
          changed = true;
        }
      }
      if (changed) {
        for (const node of this.list.querySelectorAll('.quick-replies')) node.remove();
      }
      this.addEntry({ from: 'user', text: display });
    }
    this.outbox.push(message);
    this.flush();
    this.setTyping(true);
  }

  flush() {
    if (!this.socket || !this.socket.connected || !this.confirmed || !this.sessionId) return;
    while (this.outbox.length) {
      const data = { message: this.outbox.shift(), session_id: this.sessionId };
      if (this.department) data.metadata = { department: this.department };
      this.socket.emit('user_uttered', data);
    }
  }

  /* -- receiving -------------------------------------------------------------- */

  onBotUttered(payload) {
    if (!payload || typeof payload !== 'object') return;
    const recordId = recordIdOf(payload);
    if (recordId) {
      this.attachRecord(recordId);
      return;
    }
    const text = typeof payload.text === 'string' ? payload.text : '';
    const replies = repliesOf(payload);
    const attachment = payload.attachment && payload.attachment.payload;
    const image = attachment && typeof attachment.src === 'string' ? attachment.src : null;
    if (!text && !replies.length && !image) return; // other custom payloads
    this.setTyping(false);
    this.addEntry({ from: 'bot', text, replies, image });
    this.announce([text, ...replies.map((r) => r.title)].filter(Boolean).join(' '));
  }

  /* The record id follows the answer it belongs to: the last bot message
   * since the user's last message (an answer may arrive in several parts). */
  attachRecord(recordId) {
    for (let i = this.history.length - 1; i >= 0; i -= 1) {
      const entry = this.history[i];
      if (entry.from === 'user') return;
      if (entry.from === 'bot') {
        if (!entry.recordId) {
          entry.recordId = recordId;
          this.saveHistory();
          this.rerender(entry);
        }
        return;
      }
    }
  }

  /* -- connection ------------------------------------------------------------- */

  connect() {
    this.setStatus(T.connecting);
    const socket = io(this.server, {
      path: this.socketPath,
      transports: this.transports,
      tryAllTransports: true,
      reconnectionDelayMax: 10000,
    });
    this.socket = socket;
    socket.on('connect', () => {
      this.confirmed = false;
      socket.emit('session_request', { session_id: this.sessionId });
    });
    socket.on('session_confirm', (data) => {
      const id = sessionIdOf(data);
      if (!id) return;
      this.sessionId = id;
      this.store.set('session', id);
      this.confirmed = true;
      this.setStatus('');
      this.flush();
    });
    socket.on('bot_uttered', (payload) => this.onBotUttered(payload));
    socket.on('disconnect', (reason) => {
      this.confirmed = false;
      if (reason !== 'io client disconnect') this.setStatus(T.disconnected, true);
    });
    socket.on('connect_error', () => {
      this.setStatus(T.unreachable, true);
    });
  }

  restart() {
    this.history = [];
    this.outbox = [];
    this.sessionId = null;
    this.store.remove('session');
    this.store.remove('history');
    this.setTyping(false);
    this.renderHistory();
    // A fresh socket so that the old session's room is left behind.
    this.confirmed = false;
    this.socket.disconnect();
    this.setStatus(T.connecting);
    this.socket.connect();
    this.input.focus();
  }
}

/* ---- mounting --------------------------------------------------------------- */

export function mount(host, options) {
  if (!host || host.lotsenWidget) return host && host.lotsenWidget;
  const widget = new LotsenWidget(host, options);
  Object.defineProperty(host, 'lotsenWidget', { value: widget });
  return widget;
}

function mountAll() {
  for (const host of document.querySelectorAll('#lotsen, [data-lotsen-widget]')) mount(host);
}

window.LotsenWidget = { mount, version: VERSION };

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', mountAll, { once: true });
} else {
  mountAll();
}
