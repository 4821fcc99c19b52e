// The piperun dashboard (docs/dashboard.md): reads only the public API
// (docs/openapi.yaml) with the token of this tab. Every text from the API
// reaches the page through textContent or text nodes, never as HTML.
'use strict';
(() => {
  const TOKEN_KEY = 'piperun.token';
  const REFRESH_MS = 200;   // events arriving together cause one refresh
  const BAKE_POLL_MS = 3000; // bakes move without events: their time left is read again this often
  const ACTIONS = { approver: 'approve', operator: 'override and roll back', deployer: 'submit', viewer: 'read' };

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    who: null,           // whoami: {name, roles}
    lastEventId: null,   // the last event seen: Last-Event-ID when the stream reconnects
    stream: null,        // AbortController of the open stream
    reconnect: null,     // timer of the next stream attempt
    refreshTimer: null,
    pollTimer: null,
    view: null,          // {kind: 'org'|'pipeline'|'log', name}
    logFilter: '',
    timelineOpen: new Map(), // pipeline + run id -> shown or not, as the person chose (default: shown while in flight)
  };

  const $ = (id) => document.getElementById(id);

  // An element with attributes and children; strings become text nodes.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'text') node.textContent = String(value);
      else if (key === 'class') node.className = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  const can = (role) => !!(state.who && state.who.roles.includes(role));
  const pipelineHref = (name, tab) => '#/p/' + encodeURIComponent(name) + (tab ? '/' + tab : '');
  const apiPipeline = (name) => '/api/v1/pipelines/' + encodeURIComponent(name);

  // A version's colour class, stable for its name: v0..v5 (style.css).
  function colourOf(version) {
    let h = 0;
    for (const c of String(version)) h = (h * 31 + c.codePointAt(0)) >>> 0;
    return 'v' + (h % 6);
  }

  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 120) return s + ' s';
    if (s < 7200) return Math.round(s / 60) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }

  // Like the CLI's durations ("1d9h40m"), spaced: "1d 9h 40m", "45s", "0s".
  function span(seconds) {
    let s = Math.max(0, Math.round(seconds));
    const parts = [];
    for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
      if (s >= size) { parts.push(Math.floor(s / size) + unit); s %= size; }
    }
    return parts.join(' ') || '0s';
  }

  // A time ahead: to the minute past an hour ("16h 39m"), else to the second.
  const roughly = (seconds) => span(seconds >= 3600 ? Math.round(seconds / 60) * 60 : seconds);

  // A share of global traffic (0..1) as a percentage: "0.2%", "60%", "33.33%".
  const percent = (share) => +(share * 100).toFixed(2) + '%';

  // An instant in a named zone, as the CLI writes it: "Tue 2026-12-01 09:00 Europe/Paris";
  // the browser's own clock when the zone is unknown to it.
  function inZone(t, zone) {
    const d = new Date(t);
    if (isNaN(d)) return String(t);
    let parts;
    try {
      parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short', year: 'numeric', month: '2-digit',
        day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(d);
    } catch (e) {
      return when(t);
    }
    const part = (type) => (parts.find((p) => p.type === type) || {}).value;
    return part('weekday') + ' ' + part('year') + '-' + part('month') + '-' + part('day') + ' ' + part('hour') + ':' +
      part('minute') + ' ' + zone;
  }

  function when(t) {
    if (!t) return '';
    const d = new Date(t);
    return isNaN(d) ? String(t) : d.toLocaleString();
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const answer = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let data = null;
    try { data = await answer.json(); } catch (e) { data = null; }
    if (!answer.ok) {
      const message = (data && typeof data.error === 'string') ? data.error : 'HTTP ' + answer.status;
      if (answer.status === 401) signOut('The service refused the token: ' + message);
      throw new ApiError(answer.status, message);
    }
    return data;
  }

  // ---------------------------------------------------------------------------
  // Signing in: the token lives in sessionStorage (this tab only) and goes in
  // the Authorization header; no cookie is ever set, so no other site can make
  // the browser act with it (no CSRF).

  async function signIn() {
    const hadToken = !!state.token;
    try {
      state.who = await api('GET', '/api/v1/whoami');
    } catch (e) {
      if (e.status !== 401) showSignIn(e.message);
      else showSignIn(hadToken ? 'The service refused the token: ' + e.message : '');
      return;
    }
    $('signin').hidden = true;
    $('signout').hidden = !state.token;
    const roles = state.who.roles.map((r) => r + ' (' + (ACTIONS[r] || r) + ')').join(', ');
    $('who').textContent = 'Signed in as ' + state.who.name + ': ' + roles;
    openStream();
    route();
  }

  function showSignIn(message) {
    state.who = null;
    logCache = { name: null, events: [] };
    closeStream();
    $('view').replaceChildren();
    $('crumbs').replaceChildren();
    $('who').textContent = '';
    $('signout').hidden = true;
    $('signin').hidden = false;
    $('signin-error').textContent = message || '';
    $('token').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    showSignIn(message);
  }

  // ---------------------------------------------------------------------------
  // Live updates. EventSource cannot send an Authorization header, so the
  // stream is read with fetch() and parsed here (text/event-stream). One
  // stream per page, closed while the page is hidden: the service holds at
  // most 16 streams and each holds one of its threads.

  function setLive(text) { $('live').textContent = text; }

  function closeStream() {
    if (state.stream) state.stream.abort();
    state.stream = null;
    clearTimeout(state.reconnect);
    state.reconnect = null;
  }

  function scheduleStream(ms) {
    clearTimeout(state.reconnect);
    state.reconnect = setTimeout(() => { state.reconnect = null; openStream(); }, ms);
  }

  async function openStream() {
    if (state.stream || !state.who || document.hidden) return;
    const control = new AbortController();
    state.stream = control;
    const headers = { Accept: 'text/event-stream' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    if (state.lastEventId !== null) headers['Last-Event-ID'] = String(state.lastEventId);
    let retry = 2000;
    try {
      const answer = await fetch('/api/v1/events', { headers, signal: control.signal, cache: 'no-store', credentials: 'omit' });
      if (answer.status === 401) { signOut('The service refused the token.'); return; }
      if (answer.status === 503) {
        retry = 1000 * (parseInt(answer.headers.get('Retry-After'), 10) || 5);
        setLive('Live updates paused: the service has too many open streams; trying again in ' + duration(retry / 1000) + '.');
        refresh();
      } else if (!answer.ok || !answer.body) {
        setLive('Live updates failed (HTTP ' + answer.status + '); trying again.');
      } else {
        setLive('Live: updates as they happen.');
        retry = await readEvents(answer.body, retry);
        setLive('Live updates interrupted; reconnecting.');
      }
    } catch (e) {
      if (control.signal.aborted) return;
      setLive('Live updates interrupted; reconnecting.');
    }
    if (state.stream === control) {
      state.stream = null;
      scheduleStream(retry);
    }
  }

  // Reads frames until the stream ends; returns the server's retry delay.
  async function readEvents(body, retry) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    let frame = { id: null, type: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return retry;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (line === '') {
          if (frame.data.length) onEvent(frame);
          frame = { id: null, type: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue;  // a comment: the opening line, heartbeats
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') frame.id = text;
        else if (field === 'event') frame.type = text;
        else if (field === 'data') frame.data.push(text);
        else if (field === 'retry' && /^\d+$/.test(text)) retry = parseInt(text, 10);
      }
    }
  }

  function onEvent(frame) {
    if (frame.id !== null && /^\d+$/.test(frame.id)) state.lastEventId = parseInt(frame.id, 10);
    let event = null;
    try { event = JSON.parse(frame.data.join('\n')); } catch (e) { return; }
    const view = state.view;
    if (!view || view.kind === 'org' || (event && event.pipeline === view.name)) scheduleRefresh();
  }

  function scheduleRefresh() {
    if (state.refreshTimer) return;
    state.refreshTimer = setTimeout(() => { state.refreshTimer = null; refresh(); }, REFRESH_MS);
  }

  // ---------------------------------------------------------------------------
  // Views, by the address's fragment: #/ (organisation), #/p/NAME (one
  // pipeline), #/p/NAME/log (its audit log).

  function parseRoute() {
    const parts = location.hash.replace(/^#\/?/, '').split('/');
    if (parts[0] === 'p' && parts[1]) {
      let name;
      try { name = decodeURIComponent(parts[1]); } catch (e) { return { kind: 'org' }; }
      return { kind: parts[2] === 'log' ? 'log' : 'pipeline', name };
    }
    return { kind: 'org' };
  }

  function route() {
    if (!state.who) return;
    const next = parseRoute();
    const changed = !state.view || next.kind !== state.view.kind || next.name !== state.view.name;
    state.view = next;
    if (changed) {
      $('view').replaceChildren();
      const crumbs = [el('a', { href: '#/', text: 'Organisation' })];
      if (next.name) crumbs.push(el('a', { href: pipelineHref(next.name), text: next.name }));
      if (next.kind === 'log') crumbs.push(el('a', { href: pipelineHref(next.name, 'log'), text: 'Audit log' }));
      $('crumbs').replaceChildren(...crumbs);
    }
    refresh(changed);
  }

  // Reads the view's data again and redraws it. While someone types a reason,
  // the redraw waits: it would take their text away.
  async function refresh(moveFocus) {
    const view = state.view;
    if (!view || !state.who) return;
    const focused = document.activeElement;
    if (focused && focused.matches('form.act input, form.act select')) {
      scheduleRefresh();
      return;
    }
    clearTimeout(state.pollTimer);
    try {
      let content;
      if (view.kind === 'org') content = orgView(await api('GET', '/api/v1/pipelines'));
      else if (view.kind === 'pipeline') {
        const p = await api('GET', apiPipeline(view.name));
        content = pipelineView(p, await readTimelines(p));
      }
      else content = logView(view.name, await readLog(view.name));
      if (state.view !== view) return;
      const holder = $('view');
      // The redraw keeps the keyboard where it was (same id, or same action of the same row).
      const keep = focused && holder.contains(focused) ? focusKey(focused) : null;
      holder.replaceChildren(content);
      if (moveFocus) $('main').focus();
      else if (keep) { const again = holder.querySelector(keep); if (again) again.focus(); }
    } catch (e) {
      if (!state.who) return;
      $('view').replaceChildren(el('p', { class: 'error', role: 'alert', text: e.message }));
    }
  }

  // A selector finding `node` again after a redraw, or null.
  function focusKey(node) {
    if (node.id) return '#' + CSS.escape(node.id);
    const form = node.closest('form.act');
    const row = node.closest('[data-version]');
    if (form && row) return '[data-version="' + CSS.escape(row.dataset.version) + '"] form[data-action="' + form.dataset.action + '"] ' + node.tagName.toLowerCase();
    const link = node.closest('a');
    if (link) return 'a[href="' + CSS.escape(link.getAttribute('href')) + '"]';
    return null;
  }

  // The audit log, oldest first, read in pages of 1000. The log only grows,
  // so a redraw asks only for the events after the last one the page holds
  // (cheap on a slow link); the newest LOG_KEEP are kept.
  const LOG_KEEP = 20000;
  let logCache = { name: null, events: [] };

  async function readLog(name) {
    if (logCache.name !== name) logCache = { name, events: [] };
    const events = logCache.events;
    for (;;) {
      const after = events.length ? events[events.length - 1].id : 0;
      const page = await api('GET', apiPipeline(name) + '/log?limit=1000&after=' + after);
      // Two redraws may read at once: keep each event once.
      for (const e of page.events) if (!events.length || e.id > events[events.length - 1].id) events.push(e);
      if (page.events.length < 1000) break;
    }
    if (events.length > LOG_KEEP) events.splice(0, events.length - LOG_KEEP);
    return events.slice();
  }

  // -- organisation -----------------------------------------------------------

  const ATTENTION_ORDER = { rolled_back: 0, failed: 1, blocked: 2 };
  const ATTENTION_TEXT = { rolled_back: 'rolled back', failed: 'failed', blocked: 'blocked' };

  function orgView(data) {
    const pipelines = data.pipelines.slice().sort((a, b) => {
      const ra = a.attention in ATTENTION_ORDER ? ATTENTION_ORDER[a.attention] : 9;
      const rb = b.attention in ATTENTION_ORDER ? ATTENTION_ORDER[b.attention] : 9;
      return ra - rb || a.name.localeCompare(b.name);
    });
    const cards = pipelines.map((p) => el('li', { class: 'card ' + (p.attention || ''), 'data-pipeline': p.name },
      el('h2', {}, el('a', { href: pipelineHref(p.name), text: p.name }), ' ',
        p.attention ? el('span', { class: 'badge ' + (p.attention === 'blocked' ? 'warn' : 'bad'), text: ATTENTION_TEXT[p.attention] || p.attention }) : null),
      p.versions.length
        ? el('ul', { 'aria-label': 'Versions in flight' }, p.versions.map((v) => el('li', { class: 'version', 'data-version': v.version },
          el('span', { class: 'swatch ' + colourOf(v.version), 'aria-hidden': 'true' }),
          el('strong', { text: v.version }), ' — ', v.stage ? 'in ' + v.stage : 'not started', ' (' + v.status + ')',
          v.waiting_for ? el('div', { class: 'muted', text: 'waits for ' + v.waiting_for.replace(/_/g, ' ') + (v.why ? ': ' + v.why : '') }) : null)))
        : el('p', { class: 'muted', text: 'No version in flight.' }),
      el('p', { class: 'muted' }, 'Last outcome: ', p.last_outcome
        ? p.last_outcome.version + ' ' + p.last_outcome.status.replace(/_/g, ' ') + (p.last_outcome.finished_at ? ' at ' + when(p.last_outcome.finished_at) : '')
        : 'none yet')));
    return el('section', { 'aria-labelledby': 'org-title' },
      el('h1', { id: 'org-title', text: 'Organisation: ' + pipelines.length + ' pipeline' + (pipelines.length === 1 ? '' : 's') }),
      el('ul', { class: 'cards', id: 'pipelines' }, cards));
  }

  // -- one pipeline -----------------------------------------------------------

  const TERMINAL = new Set(['deployed', 'rolled_back', 'failed', 'superseded']);

  // What a stage is doing, in words: deploying, baking, waiting, rolling back, idle.
  function stageState(stage, version) {
    if (version && /roll/.test(version.status)) return { word: 'rolling back', cls: 'rollback' };
    if (stage.state === 'waiting') return { word: 'waiting', cls: 'waiting' };
    if (stage.state === 'active' && version && version.stage === stage.id && version.waiting_for === 'approval')
      return { word: 'waiting for approval', cls: 'waiting' };
    if (stage.state === 'active') {
      const bake = version && version.bakes.find((b) => b.step.startsWith(stage.id + '/') && b.left_s > 0);
      if (bake) return { word: 'baking', cls: 'active', bake };
      return { word: 'deploying', cls: 'active' };
    }
    return { word: stage.state === 'done' ? 'done' : 'idle', cls: '' };
  }

  function stageCard(stage, versions, hosts) {
    const version = versions.find((v) => v.version === stage.version && v.run_id === stage.run_id) || null;
    const s = stageState(stage, version);
    const regions = stage.regions.map((region) => {
      const zones = new Map();
      for (const h of hosts.filter((x) => x.region === region)) {
        if (!zones.has(h.zone)) zones.set(h.zone, []);
        zones.get(h.zone).push(h);
      }
      return el('li', {}, el('strong', { text: region }),
        zones.size ? el('ul', {}, [...zones].map(([zone, list]) => el('li', {},
          zone + ': ' + list.map((h) => h.host + ' ' + (h.version || 'nothing') + (h.pending_version ? ' → ' + h.pending_version : '')).join(', '))))
          : null);
    });
    return el('li', { class: 'stage ' + s.cls + (stage.version ? ' ' + colourOf(stage.version) : ''), 'data-stage': stage.id, 'data-state': s.word },
      el('h3', { text: stage.id }),
      el('div', { class: 'muted', text: stage.kind }),
      el('div', {}, el('span', { class: 'state', text: s.word }), stage.version ? ': ' : '',
        stage.version ? el('strong', { class: 'stage-version', text: stage.version }) : null),
      s.bake ? el('div', {},
        el('progress', { max: s.bake.required_s, value: s.bake.elapsed_s, 'aria-label': 'bake of ' + stage.id }),
        el('div', { class: 'muted', text: duration(s.bake.left_s) + ' left of ' + duration(s.bake.required_s) })) : null,
      stage.why ? el('div', { class: 'muted', text: stage.why }) : null,
      el('ul', { 'aria-label': 'Regions' }, regions));
  }

  function actionMessage() { return el('p', { class: 'error', role: 'alert' }); }

  // Sends a request; shows the refusal (one sentence from the API) next to the form.
  async function act(form, path, body, done) {
    const message = form.querySelector('.error') || form.parentNode.querySelector('.error');
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    try {
      await api('POST', path, body);
      if (message) message.textContent = '';
      for (const i of form.querySelectorAll('input[type=text]')) i.value = '';
      setLive(done);
      refresh();
    } catch (e) {
      if (message) message.textContent = e.message;
    } finally {
      for (const b of form.querySelectorAll('button')) b.disabled = false;
    }
  }

  // The actions a version allows, only those the token's roles may do.
  function versionActions(pipeline, v) {
    const forms = [];
    const path = apiPipeline(pipeline.name);
    if (can('approver') && v.waiting_for === 'approval') {
      const form = el('form', { class: 'act', 'data-action': 'approve' },
        el('button', { type: 'submit', class: 'primary', text: 'Approve ' + v.version }));
      form.addEventListener('submit', (e) => { e.preventDefault(); act(form, path + '/approve', { version: v.version }, 'Approved ' + v.version + '.'); });
      forms.push(form);
    }
    if (can('operator') && v.waiting_for && v.waiting_for !== 'approval' && v.waiting_for !== 'previous_version') {
      const targets = [];
      if (pipeline.windows) targets.push('window');
      for (const b of pipeline.blockers) targets.push(b.name);
      if (targets.length) {
        const id = 'override-' + v.run_id;
        const form = el('form', { class: 'act', 'data-action': 'override' },
          el('label', { for: id + '-target', text: 'Override' }),
          el('select', { id: id + '-target' }, targets.map((t) => el('option', { value: t, text: t }))),
          el('label', { for: id + '-reason', text: 'reason' }),
          el('input', { id: id + '-reason', type: 'text', required: true, maxlength: 500 }),
          el('button', { type: 'submit', text: 'Override for ' + v.version }));
        form.addEventListener('submit', (e) => {
          e.preventDefault();
          act(form, path + '/override', { target: form.querySelector('select').value, reason: form.querySelector('input').value, version: v.version },
            'Override recorded for ' + v.version + '.');
        });
        forms.push(form);
      }
    }
    if (can('operator') && !TERMINAL.has(v.status) && !/roll/.test(v.status)) {
      const id = 'rollback-' + v.run_id;
      const form = el('form', { class: 'act', 'data-action': 'rollback' },
        el('label', { for: id, text: 'Rollback reason' }),
        el('input', { id, type: 'text', required: true, maxlength: 500 }),
        el('button', { type: 'submit', class: 'danger', text: 'Roll back ' + v.version }));
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        act(form, path + '/rollback', { reason: form.querySelector('input').value, version: v.version }, 'Rollback of ' + v.version + ' requested.');
      });
      forms.push(form);
    }
    if (!forms.length) return null;
    return el('div', { class: 'actions' }, forms, actionMessage());
  }

  function versionsTable(p) {
    if (!p.versions.length) return el('p', { class: 'muted', text: 'No version in flight.' });
    const cell = (label, ...content) => el('td', { 'data-label': label }, ...content);
    return el('div', { class: 'scroll' }, el('table', { class: 'stack', id: 'versions' },
      el('thead', {}, el('tr', {}, ['Version', 'Status', 'Stage', 'Waits for', 'Bakes left', 'Progress', 'Submitted', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, p.versions.map((v) => el('tr', { 'data-version': v.version },
        cell('Version', el('span', { class: 'swatch ' + colourOf(v.version), 'aria-hidden': 'true' }), el('strong', { text: v.version }),
          v.previous ? el('div', { class: 'muted', text: 'after ' + v.previous }) : null),
        cell('Status', v.status.replace(/_/g, ' '), v.step ? el('div', { class: 'muted', text: v.step }) : null,
          v.message ? el('div', { class: 'muted', text: v.message }) : null),
        cell('Stage', v.stage || '—'),
        cell('Waits for', v.waiting_for ? v.waiting_for.replace(/_/g, ' ') + (v.why ? ': ' + v.why : '') : '—'),
        cell('Bakes left', v.bakes.filter((b) => b.left_s > 0).map((b) => b.step + ' ' + duration(b.left_s)).join(', ') || '—'),
        cell('Progress', progressOf(v)),
        cell('Submitted', v.submitted_by + ', ' + when(v.submitted_at)),
        cell('Actions', versionActions(p, v) || '—'))))));
  }

  // How far a version has got against its plan's analysis: the exposure so
  // far (the plan's figure after the furthest step done) and the time since
  // it started beside the plan's time to global, in words and as bars.
  function progressOf(v) {
    const g = v.progress;
    if (!g) return '—';
    const exposure = g.exposure === null
      ? el('div', { class: 'exposure', text: 'Exposure so far: unknown (the plan has no analysis)' })
      : el('div', {}, el('div', { class: 'exposure', text: 'Exposure so far: ' + percent(g.exposure) + ' of global traffic' }),
        el('progress', { max: 100, value: +(g.exposure * 100).toFixed(2), 'aria-label': 'exposure of ' + v.version + ' so far' }));
    const elapsed = g.time_to_global_s === null
      ? 'Elapsed ' + span(g.elapsed_s) + '; the plan never reaches global'
      : 'Elapsed ' + span(g.elapsed_s) + ' of ' + span(g.time_to_global_s) + ' to global' +
        (g.time_to_global_s > 0 ? ' (' + Math.floor((100 * g.elapsed_s) / g.time_to_global_s) + '%)' : '');
    return el('div', { class: 'progress-cell' }, exposure, el('div', { class: 'elapsed', text: elapsed }),
      el('div', { class: 'muted', text: g.steps_done + ' of ' + g.steps + ' steps done' }));
  }

  // The plan's time to global, for the facts line.
  function timeToGlobal(analysis) {
    if (!analysis) return 'Time to global: unknown (the plan has no analysis)';
    if (analysis.time_to_global_s === null)
      return 'Time to global: never (the plan ends at ' + percent(analysis.final_exposure) + ' of global traffic)';
    return 'Time to global (plan): ' + span(analysis.time_to_global_s);
  }

  // -- timelines: each run's lines as `piperun run` prints them ---------------

  // The runs the pipeline view lists: those in flight, then the newest ended
  // ones. Shown at first: those in flight and the newest ended one (so a run
  // that ends stays in view); then as the person chose.
  function runsOf(p) {
    const key = (id) => p.name + '\u0000' + id;
    return p.versions.map((v) => ({ key: key(v.run_id), run_id: v.run_id, version: v.version, status: v.status, first: true }))
      .concat(p.recent_runs.map((r, i) => ({ key: key(r.run_id), run_id: r.run_id, version: r.version, status: r.status, first: i === 0 })));
  }

  const timelineShown = (run) => (state.timelineOpen.has(run.key) ? state.timelineOpen.get(run.key) : run.first);

  // The timelines shown, read again at each redraw: run id -> answer or {error}.
  async function readTimelines(p) {
    const shown = runsOf(p).filter(timelineShown);
    const answers = await Promise.all(shown.map((run) =>
      api('GET', apiPipeline(p.name) + '/timeline?run_id=' + run.run_id).catch((e) => ({ error: e.message }))));
    return new Map(shown.map((run, i) => [run.run_id, answers[i]]));
  }

  function timelinesSection(p, timelines) {
    const runs = runsOf(p);
    if (!runs.length) return el('p', { class: 'muted', text: 'No run yet.' });
    return el('div', { id: 'timelines' }, runs.map((run) => {
      const answer = timelines.get(run.run_id);
      const label = 'Timeline of ' + run.version + ', run ' + run.run_id;
      let body = null;
      if (answer && answer.error) body = el('p', { class: 'error', role: 'alert', text: answer.error });
      else if (answer) body = el('div', {},
        answer.omitted ? el('p', { class: 'muted', text: answer.omitted + ' earlier lines left out' }) : null,
        el('pre', { class: 'timeline', id: 'timeline-' + run.run_id, tabindex: 0, 'aria-label': label },
          answer.lines.join('\n')),
        el('p', { class: 'muted', text: 'Times in ' + answer.timezone + '; the same lines as piperun log ' + p.name +
          ' --version ' + run.version + ' --server URL' }));
      const details = el('details', { 'data-run': run.run_id, open: timelineShown(run) },
        el('summary', { id: 'timeline-summary-' + run.run_id },
          el('span', { class: 'swatch ' + colourOf(run.version), 'aria-hidden': 'true' }),
          el('strong', { text: run.version }), ' — run ' + run.run_id + ', ' + run.status.replace(/_/g, ' ')),
        body);
      details.addEventListener('toggle', () => {
        if (details.open === timelineShown(run)) return;
        state.timelineOpen.set(run.key, details.open);
        if (details.open) refresh();
      });
      return details;
    }));
  }

  // The API gives each scope's latest datapoint; the page keeps the ones it
  // has seen (at most CHART_POINTS per scope) to draw them against the threshold.
  const CHART_POINTS = 30;
  const seen = new Map();

  function remember(pipeline, a) {
    const key = [pipeline, a.run_id, a.scope, a.condition].join('\u0000');
    if (!seen.has(key)) seen.set(key, []);
    const points = seen.get(key);
    if (!points.length || points[points.length - 1].t !== a.t) points.push({ t: a.t, value: a.value, breach: a.breach });
    if (points.length > CHART_POINTS) points.shift();
    return points;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
    return node;
  }

  // A small line of the datapoints with the threshold (from the condition's
  // text, "metric > 0.01 ..."); its words say the same for a screen reader.
  function chart(points, condition) {
    const match = /^\S+\s*(?:>=|<=|>|<|==)\s*(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(condition);
    const threshold = match ? parseFloat(match[1]) : null;
    const values = points.map((p) => p.value).filter((v) => typeof v === 'number');
    if (!values.length) return null;
    const W = 160, H = 40;
    const top = Math.max(...values, threshold === null ? -Infinity : threshold);
    const bottom = Math.min(0, ...values);
    const span = top - bottom || 1;
    const x = (i) => (points.length < 2 ? W / 2 : 3 + (i * (W - 6)) / (points.length - 1));
    const y = (v) => H - 3 - ((v - bottom) / span) * (H - 8);
    const label = values.length + ' datapoint' + (values.length === 1 ? '' : 's') + ' from ' + Math.min(...values) + ' to ' +
      Math.max(...values) + (threshold === null ? '' : '; threshold ' + threshold);
    const drawing = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': label });
    const title = svg('title', {});
    title.textContent = label;
    drawing.append(title);
    if (threshold !== null) drawing.append(svg('line', { class: 'threshold', x1: 0, x2: W, y1: y(threshold), y2: y(threshold) }));
    const line = points.map((p, i) => (typeof p.value === 'number' ? x(i) + ',' + y(p.value) : null)).filter(Boolean);
    drawing.append(svg('polyline', { class: 'line', points: line.join(' ') }));
    points.forEach((p, i) => {
      if (typeof p.value === 'number') drawing.append(svg('circle', { class: p.breach ? 'dot breach' : 'dot', cx: x(i), cy: y(p.value), r: p.breach ? 3 : 2 }));
    });
    return drawing;
  }

  function alarmsTable(pipeline, alarms) {
    if (!alarms.length) return el('p', { class: 'muted', text: 'No datapoints yet.' });
    const cell = (label, ...content) => el('td', { 'data-label': label }, ...content);
    return el('div', { class: 'scroll' }, el('table', { class: 'stack', id: 'alarms' },
      el('thead', {}, el('tr', {}, ['Scope', 'Condition', 'Value', 'Breach', 'Recent', 'At'].map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, alarms.slice(-50).reverse().map((a) => el('tr', { 'data-scope': a.scope },
        cell('Scope', a.scope), cell('Condition', a.condition),
        cell('Value', a.error ? 'no data: ' + a.error : (a.value === null ? 'no data' : String(a.value))),
        cell('Breach', a.breach ? el('span', { class: 'badge bad', text: 'breach' }) : 'no'),
        cell('Recent', chart(remember(pipeline, a), a.condition) || '—'),
        cell('At', when(a.t)))))));
  }

  function pipelineView(p, timelines) {
    const facts = [el('li', {}, 'Plan ', el('code', { text: p.digest ? p.digest.slice(0, 19) : '—' })),
      el('li', { text: 'Execution mode: ' + p.execution_mode })];
    // The next opening in the windows' own zone (the zone the plan's rules are written in), and how far off.
    if (p.windows) facts.push(el('li', { id: 'window', text: 'Window (' + p.windows.timezone + '): ' + (p.windows.open ? 'open now' : 'closed') +
      (p.windows.next_open ? '; opens ' + inZone(p.windows.next_open, p.windows.timezone) + ' (in ' +
        roughly((new Date(p.windows.next_open) - Date.now()) / 1000) + ')' : (p.windows.open ? '' : '; no opening ahead')) }));
    else facts.push(el('li', { text: 'Windows: none (always open)' }));
    facts.push(el('li', { id: 'time-to-global', text: timeToGlobal(p.analysis) }));
    const blockers = p.blockers.length
      ? el('ul', { id: 'blockers' }, p.blockers.map((b) => el('li', {}, el('strong', { text: b.name }), ' ',
        b.firing === null ? el('span', { class: 'badge warn', text: 'unknown' })
          : el('span', { class: 'badge ' + (b.firing ? 'bad' : 'good'), text: b.firing ? 'firing: stage starts blocked' : 'quiet' }))))
      : el('p', { class: 'muted', text: 'No blockers.' });
    return el('section', { 'aria-labelledby': 'pipeline-title' },
      el('h1', { id: 'pipeline-title', text: p.name }),
      el('nav', { class: 'tabs', 'aria-label': 'Pipeline views' },
        el('a', { href: pipelineHref(p.name), 'aria-current': 'page', text: 'Stages' }),
        el('a', { href: pipelineHref(p.name, 'log'), text: 'Audit log' })),
      el('ul', { class: 'facts' }, facts),
      el('h2', { text: 'Stages' }),
      el('ol', { class: 'stages', id: 'stages' }, p.stages.map((s) => stageCard(s, p.versions, p.hosts))),
      el('h2', { text: 'Versions' }), versionsTable(p),
      el('h2', { text: 'Blockers' }), blockers,
      el('h2', { text: 'Recent datapoints' }), alarmsTable(p.name, p.alarms),
      el('h2', { text: 'Timelines' }), timelinesSection(p, timelines));
  }

  // -- audit log --------------------------------------------------------------

  function logRows(events, filter) {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = events.filter((e) => {
      const text = [e.id, e.t, e.version, e.stage, e.step, e.type, e.message].join(' ').toLowerCase();
      return words.every((w) => text.includes(w));
    });
    const cell = (label, ...content) => el('td', { 'data-label': label }, ...content);
    return shown.slice().reverse().map((e) => el('tr', {},
      cell('#', String(e.id)), cell('At', when(e.t)), cell('Version', e.version || '—'), cell('Stage', e.stage || '—'),
      cell('Event', e.type), cell('Message', e.message)));
  }

  function logView(name, events) {
    const body = el('tbody', {}, logRows(events, state.logFilter));
    const count = el('p', { class: 'muted', role: 'status', id: 'log-count' });
    const show = () => {
      body.replaceChildren(...logRows(events, state.logFilter));
      count.textContent = body.children.length + ' of ' + events.length + ' events, newest first';
    };
    const input = el('input', { id: 'log-filter', type: 'search', value: state.logFilter, placeholder: 'version, stage, event or words' });
    input.addEventListener('input', () => { state.logFilter = input.value; show(); });
    show();
    return el('section', { 'aria-labelledby': 'log-title' },
      el('h1', { id: 'log-title', text: name + ': audit log' }),
      el('nav', { class: 'tabs', 'aria-label': 'Pipeline views' },
        el('a', { href: pipelineHref(name), text: 'Stages' }),
        el('a', { href: pipelineHref(name, 'log'), 'aria-current': 'page', text: 'Audit log' })),
      el('div', { class: 'filter' }, el('label', { for: 'log-filter', text: 'Filter' }), input),
      count,
      el('div', { class: 'scroll' }, el('table', { class: 'stack', id: 'log' },
        el('thead', {}, el('tr', {}, ['#', 'At', 'Version', 'Stage', 'Event', 'Message'].map((h) => el('th', { scope: 'col', text: h })))),
        body)));
  }

  // While a bake runs, its time left changes without events: read it again.
  function pollWhileBaking() {
    clearTimeout(state.pollTimer);
    if (state.view && state.view.kind === 'pipeline' && document.querySelector('#stages progress'))
      state.pollTimer = setTimeout(refresh, BAKE_POLL_MS);
  }

  // ---------------------------------------------------------------------------

  function start() {
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const token = $('token').value.trim();
      $('token').value = '';
      if (!token) return;
      state.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      signIn();
    });
    $('signout').addEventListener('click', () => signOut(''));
    window.addEventListener('hashchange', route);
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) closeStream();
      else if (state.who) { openStream(); refresh(); }
    });
    window.addEventListener('pagehide', closeStream);
    new MutationObserver(pollWhileBaking).observe($('view'), { childList: true });
    signIn();
  }

  start();
})();
