/*
 * The web page's transport: reads the live stream (server-sent events, with fetch so the token
 * travels in a header, never in a URL the server logs), reconnects with back-off and catches
 * up (Last-Event-ID: the server sends the whole board unless the page is current), sends acts
 * as JSON POSTs and shows their refusals as text, raises the browser's notifications when the
 * person allowed them, and keeps the theme. The token comes from the URL's #token=… fragment
 * (never sent to a server) and stays in this tab's sessionStorage.
 */
(() => {
  const B = window.ClaudeHubBoard;
  const root = document.getElementById('board');
  const connection = document.getElementById('connection');
  const message = document.getElementById('message');
  const who = document.getElementById('who');

  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.has('token')) {
    sessionStorage.setItem('claude-hub-token', fragment.get('token') || '');
    history.replaceState(null, '', location.pathname + location.search);
  }
  const token = sessionStorage.getItem('claude-hub-token');
  const auth = token ? { Authorization: `Bearer ${token}` } : {};

  const state = { access: null, sessions: [], version: null };
  const ctx = { access: null, actions: { act } };

  function say(text, kind) {
    message.textContent = text;
    message.className = `message ${kind || 'info'}`;
    message.hidden = text === '';
  }

  function setConnection(text, kind) {
    connection.textContent = text;
    connection.className = `connection ${kind}`;
  }

  async function act(tool, args) {
    say(`${tool.replace(/_/g, ' ')}…`, 'info');
    try {
      const response = await fetch('/board/api/act', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...auth },
        body: JSON.stringify({ tool, args }),
      });
      const body = await response.json();
      if (body.ok) {
        say(body.text || 'Done.', 'ok');
        return true;
      }
      say(`${body.error.code}: ${body.error.message}`, 'error');
    } catch (error) {
      say(`The hub did not answer (${String(error)}); the board reconnects by itself.`, 'error');
    }
    return false;
  }

  function notify(notices) {
    if (!('Notification' in window) || Notification.permission !== 'granted') return;
    for (const n of notices) new Notification(n.title, { body: n.body || '', tag: n.tag });
  }

  function apply(kind, data) {
    if (kind === 'hello') {
      state.access = ctx.access = data.access;
      who.textContent = B.accessWords(data.access) + (data.access.acts.length === 0 ? ' · view only' : '');
      return;
    }
    if (kind === 'board') {
      // The moment the board arrived, for bench/board.mjs (drawing time = drawn − this).
      performance.mark('claude-hub:board-received');
      state.sessions = data.sessions;
      B.drawBoard(root, ctx, state.sessions);
    } else if (kind === 'session') {
      const index = state.sessions.findIndex((s) => s.id === data.session.id);
      notify(B.noticesBetween(index >= 0 ? state.sessions[index] : null, data.session));
      if (index >= 0) state.sessions[index] = data.session;
      else state.sessions.push(data.session);
      const empty = root.querySelector(':scope > p.empty');
      if (empty) empty.remove();
      B.drawSession(root, ctx, data.session);
    } else if (kind === 'gone') {
      state.sessions = state.sessions.filter((s) => s.id !== data.id);
      B.removeSession(root, data.id);
    }
    state.version = data.version;
    root.dataset.version = String(data.version);
  }

  let delay = 500;
  async function connect() {
    try {
      const headers = { Accept: 'text/event-stream', ...auth };
      if (state.version !== null) headers['Last-Event-ID'] = String(state.version);
      const response = await fetch('/board/events', { headers, cache: 'no-store' });
      if (!response.ok) {
        const body = await response.json().catch(() => null);
        const why = body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`;
        say(why, 'error');
        setConnection('refused', 'down');
        if (response.status === 401 || response.status === 403) return;
        throw new Error(why);
      }
      setConnection('live', 'up');
      delay = 500;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let kind = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) kind = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (data !== '') apply(kind, JSON.parse(data));
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // Reconnect below.
    }
    setConnection('reconnecting…', 'down');
    setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10_000);
  }

  // Theme: the system's, unless the person chose (t, or the button).
  const saved = localStorage.getItem('claude-hub-theme');
  if (saved === 'light' || saved === 'dark') document.documentElement.dataset.theme = saved;
  function toggleTheme() {
    const dark = document.documentElement.dataset.theme
      ? document.documentElement.dataset.theme === 'dark'
      : matchMedia('(prefers-color-scheme: dark)').matches;
    const next = dark ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('claude-hub-theme', next);
  }
  document.getElementById('theme').addEventListener('click', toggleTheme);
  document.addEventListener('keydown', (event) => {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement || event.target instanceof HTMLTextAreaElement;
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === 't') toggleTheme();
    else if (event.key === 'Escape') say('', 'info');
  });
  const notifyButton = document.getElementById('notify');
  if (!('Notification' in window)) notifyButton.hidden = true;
  notifyButton.addEventListener('click', () => {
    Notification.requestPermission().then((permission) => say(permission === 'granted' ? 'Notifications on.' : `Notifications: ${permission}.`, 'info'));
  });

  connect();
})();
