/*
 * The board's drawing, shared by the web page (live.js) and the MCP App (app.js): a board
 * state in, DOM out. Every piece of data is put in with textContent or as an attribute value,
 * never as markup, so a hostile title, message, file name, dialog or terminal line shows as
 * the text it is. Acts are buttons and forms that call `actions.act(tool, args)`; the caller
 * decides how (HTTP or the MCP host) and which acts exist (`access.acts`).
 * A session is redrawn whole when it changes; the focused field and what was typed survive.
 */
(() => {
  const TASK_COLUMNS = ['todo', 'in_progress', 'blocked', 'review', 'done', 'cancelled'];
  /** Cards a column shows until the person asks for all (a column of hundreds is read by scrolling the first ones). */
  const COLUMN_CAP = 40;
  const STATUS_WORDS = {
    starting: 'starting',
    working: 'working',
    idle: 'idle',
    waiting_for_person: 'needs you',
    blocked: 'blocked',
    exited: 'exited',
    stuck: 'stuck',
    interrupted: 'interrupted',
    rate_limited: 'rate limited',
    auth_failed: 'login failed',
    overloaded: 'API overloaded',
    api_error: 'API error',
  };

  /** "12.3k tokens · $0.42 · 37% context": what an agent has used, from Claude Code's own figures. */
  function usageLine(usage) {
    if (!usage || usage.messages === 0) return null;
    const tokens = usage.input + usage.output + usage.cacheRead + usage.cacheWrite;
    const parts = [`${tokens >= 1000 ? `${(tokens / 1000).toFixed(1)}k` : tokens} tokens`, `$${usage.costUsd.toFixed(2)}`];
    if (usage.contextWindow) parts.push(`${Math.round((100 * usage.contextTokens) / usage.contextWindow)}% context`);
    return parts.join(' · ');
  }

  /** el('div', {class: 'x'}, child, 'text', …): children are nodes or text (as text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'text') node.textContent = String(value);
      else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function progressBar(done, total, label) {
    const pct = total > 0 ? Math.round((done / total) * 100) : 0;
    const bar = el('div', { class: 'bar', role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': total, 'aria-valuenow': done, 'aria-label': label });
    const fill = el('span', { class: 'fill' });
    fill.style.width = `${pct}%`;
    bar.append(fill);
    return el('div', { class: 'progress' }, bar, el('span', { class: 'count', text: `${done}/${total}` }));
  }

  function ago(iso) {
    if (!iso) return 'no activity yet';
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (!Number.isFinite(seconds)) return String(iso);
    if (seconds < 60) return `${seconds}s ago`;
    if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
    return `${Math.round(seconds / 3600)} h ago`;
  }

  function can(ctx, tool) {
    return ctx.access?.acts.includes(tool);
  }

  function actButton(ctx, label, tool, args, extra) {
    const allowed = can(ctx, tool);
    return el('button', {
      type: 'button',
      class: extra?.class,
      'data-act': tool,
      disabled: !allowed,
      title: allowed ? extra?.title || label : `Your access (${accessWords(ctx.access)}) cannot ${tool.replace(/_/g, ' ')}.`,
      onclick: () => ctx.actions.act(tool, args()),
      text: label,
    });
  }

  function accessWords(access) {
    if (!access) return 'unknown';
    return `${access.who}${access.role ? `, ${access.role}` : ''}, hub ${access.ceiling}`;
  }

  function dialog(ctx, agent) {
    const prompt = agent.pendingPrompt;
    if (!prompt) return null;
    const choices = el('div', { class: 'choices', role: 'group', 'aria-label': `Answer ${agent.name}'s dialog` });
    for (const choice of prompt.choices) {
      choices.append(
        actButton(ctx, choice.label, 'answer_agent_prompt', () => ({ agent_name: agent.name, choice: String(choice.number) }), {
          class: 'choice',
          title: choice.detail ? `${choice.label}: ${choice.detail}` : choice.label,
        }),
      );
    }
    return el(
      'div',
      { class: 'dialog', 'data-key': `dialog:${agent.name}` },
      el('div', { class: 'question' }, el('strong', { text: `Dialog (${prompt.kind}): ` }), prompt.question),
      prompt.screen && prompt.screen.length > 0 ? el('pre', { class: 'screen', text: prompt.screen.join('\n') }) : null,
      choices,
    );
  }

  function messageForm(ctx, agent) {
    if (!can(ctx, 'send_message_to_agent')) return null;
    const input = el('input', {
      type: 'text',
      name: 'message',
      'data-key': `message:${agent.name}`,
      'aria-label': `Message to ${agent.name}`,
      placeholder: `Message to ${agent.name}`,
      maxlength: 10000,
      required: true,
    });
    return el(
      'form',
      {
        class: 'send',
        onsubmit: (event) => {
          event.preventDefault();
          const text = input.value;
          if (text.trim() === '') return;
          ctx.actions.act('send_message_to_agent', { agent_name: agent.name, message: text }).then((ok) => {
            if (ok) clearField(`message:${agent.name}`);
          });
        },
      },
      input,
      el('button', { type: 'submit', text: 'Send' }),
    );
  }

  /** Empties a field after its act succeeded (the field may have been redrawn meanwhile). */
  function clearField(key) {
    const node = document.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (node) node.value = '';
  }

  /** Terminals show their last lines. */
  function scrollScreens(scope) {
    for (const pre of scope.querySelectorAll('pre.screen')) pre.scrollTop = pre.scrollHeight;
  }

  function agentCard(ctx, agent) {
    return el(
      'article',
      { class: `agent status-${agent.status}`, 'data-agent': agent.name, 'aria-label': `${agent.name}: ${STATUS_WORDS[agent.status] || agent.status}` },
      el(
        'header',
        {},
        el('h4', { text: agent.name }),
        el('span', { class: 'badge', 'data-status': agent.status, text: STATUS_WORDS[agent.status] || agent.status }),
      ),
      agent.specialization ? el('p', { class: 'spec', text: agent.specialization }) : null,
      el('p', { class: 'why', text: agent.why }),
      el('p', { class: 'task' }, el('span', { class: 'label', text: 'Task: ' }), agent.currentTask || 'none'),
      progressBar(agent.progress.done, agent.progress.total, `${agent.name}'s progress`),
      el(
        'p',
        { class: 'meta' },
        el('span', { text: ago(agent.lastActivity) }),
        agent.queuedMessages > 0 ? el('span', { class: 'queued', text: `${agent.queuedMessages} queued` }) : null,
        agent.resetAt ? el('span', { class: 'reset', text: `resets ${new Date(agent.resetAt).toLocaleTimeString()}` }) : null,
        agent.lastTool && agent.status === 'stuck' ? el('span', { class: 'last-tool', text: `last tool ${agent.lastTool}` }) : null,
      ),
      usageLine(agent.usage) ? el('p', { class: 'usage', text: usageLine(agent.usage) }) : null,
      dialog(ctx, agent),
      agent.screen && agent.screen.length > 0
        ? el('pre', { class: 'screen', 'aria-label': `${agent.name}'s terminal (read-only)`, text: agent.screen.join('\n') })
        : null,
      messageForm(ctx, agent),
    );
  }

  function taskCard(ctx, session, task) {
    const statusSelect = el('select', {
      'aria-label': `Status of ${task.id}`,
      'data-key': `status:${session.id}:${task.id}`,
      disabled: !can(ctx, 'update_task'),
    });
    for (const status of TASK_COLUMNS) statusSelect.append(el('option', { value: status, selected: status === task.status, text: status.replace('_', ' ') }));
    statusSelect.addEventListener('change', () => {
      ctx.actions.act('update_task', { session_id: session.id, task_id: task.id, status: statusSelect.value });
    });
    return el(
      'li',
      { class: `task-card priority-${task.priority}`, 'data-task': task.id },
      el('div', { class: 'task-head' }, el('code', { text: task.id }), el('span', { class: 'priority', text: task.priority })),
      el('p', { class: 'title', text: task.title }),
      el('p', { class: 'meta', text: task.assignee ? `→ ${task.assignee}` : 'unassigned' }),
      task.progress.total > 0 ? progressBar(task.progress.done, task.progress.total, `${task.id} progress`) : null,
      statusSelect,
    );
  }

  function createTaskForm(ctx, session) {
    if (!can(ctx, 'create_task')) return null;
    const title = el('input', {
      type: 'text',
      name: 'title',
      'data-key': `newtask:${session.id}`,
      'aria-label': 'New task title',
      placeholder: 'New task title',
      required: true,
      maxlength: 200,
    });
    const assignee = el('select', { 'aria-label': 'Assignee', 'data-key': `newassignee:${session.id}` }, el('option', { value: '', text: 'unassigned' }));
    for (const agent of session.agents) assignee.append(el('option', { value: agent.name, text: agent.name }));
    const priority = el('select', { 'aria-label': 'Priority' });
    for (const p of ['low', 'medium', 'high', 'critical']) priority.append(el('option', { value: p, selected: p === 'medium', text: p }));
    return el(
      'form',
      {
        class: 'new-task',
        onsubmit: (event) => {
          event.preventDefault();
          const args = { session_id: session.id, title: title.value, priority: priority.value };
          if (assignee.value) args.assignee = assignee.value;
          ctx.actions.act('create_task', args).then((ok) => {
            if (ok) clearField(`newtask:${session.id}`);
          });
        },
      },
      title,
      assignee,
      priority,
      el('button', { type: 'submit', text: 'Create task' }),
    );
  }

  function todoPart(session) {
    const todo = session.todo;
    const list = el('ul', { class: 'sections' });
    for (const s of todo.sections) list.append(el('li', {}, el('span', { class: 'section-title', text: s.title }), progressBar(s.done, s.total, s.title)));
    return el('section', { class: 'todo', 'data-part': 'todo' }, el('h3', { text: 'TODO.md' }), progressBar(todo.done, todo.total, 'TODO.md progress'), list);
  }

  function diagnosticsPart(session) {
    if (session.diagnostics.length === 0) return null;
    const list = el('ul', { class: 'diagnostics' });
    for (const d of session.diagnostics) {
      list.append(
        el(
          'li',
          { class: `severity-${d.severity}` },
          el('code', { text: `${d.file}:${d.line}` }),
          ' ',
          el('span', { class: 'code', text: d.code }),
          ' ',
          d.message,
        ),
      );
    }
    return el('section', { class: 'diag', 'data-part': 'diagnostics' }, el('h3', { text: `Diagnostics (${session.diagnostics.length})` }), list);
  }

  function timelinePart(session) {
    if (!session.timeline || session.timeline.length === 0) return null;
    const list = el('ol', { class: 'timeline' });
    for (const entry of session.timeline) {
      list.append(
        el(
          'li',
          {},
          el('time', { datetime: entry.at, text: ago(entry.at) }),
          ' ',
          el('strong', { text: entry.actor }),
          ' ',
          el('span', { text: entry.subject }),
          entry.files.length > 0 ? el('code', { class: 'files', text: entry.files.join(', ') }) : null,
        ),
      );
    }
    return el('section', { class: 'history', 'data-part': 'timeline' }, el('h3', { text: 'Timeline (git audit ref)' }), list);
  }

  /**
   * A session's skeleton: its parts are filled (and later updated) by updateSession, which
   * rebuilds only what changed: the header and overview, each agent card, each task card (moved
   * to its status column), the new-task form. A redraw of one session costs what changed in it.
   */
  function sessionNode(session) {
    const columns = el('div', { class: 'columns' });
    for (const status of TASK_COLUMNS) {
      columns.append(el('section', { class: `column column-${status}`, 'data-column': status }, el('h4', {}), el('ul', { class: 'cards' })));
    }
    return el(
      'section',
      { class: 'session', 'data-session': session.id, 'aria-labelledby': `s-${session.id}` },
      el('h2', { id: `s-${session.id}` }),
      el('div', { class: 'overview' }),
      el('h3', { class: 'agents-title' }),
      el('div', { class: 'agents' }),
      el('h3', { class: 'tasks-title' }),
      el('div', { class: 'new-task-slot' }),
      columns,
    );
  }

  /** Replaces `node` by `next` when its key changed; keeps what was typed in it. */
  function keyed(node, key, build) {
    if (node && node.__key === key) return node;
    const next = build();
    next.__key = key;
    if (node) {
      const saved = keepInput(node);
      node.replaceWith(next);
      restoreInput(next, saved);
    }
    return next;
  }

  function updateSession(section, ctx, session) {
    const access = JSON.stringify(ctx.access);
    const q = (selector) => section.querySelector(`:scope > ${selector}`);
    keyed(q('h2'), session.name + '\0' + session.root, () => el('h2', { id: `s-${session.id}` }, session.name, ' ', el('small', { text: session.root })));
    keyed(q('.overview'), JSON.stringify([session.todo, session.diagnostics, session.timeline]), () =>
      el('div', { class: 'overview' }, todoPart(session), diagnosticsPart(session), timelinePart(session)),
    );
    q('.agents-title').textContent = `Agents (${session.agents.length})`;
    q('.tasks-title').textContent = `Tasks (${session.tasks.length})`;

    const agents = q('.agents');
    const oldAgents = new Map([...agents.children].map((n) => [n.getAttribute('data-agent'), n]));
    const agentNodes = session.agents.map((agent) => {
      const node = keyed(oldAgents.get(agent.name), access + JSON.stringify(agent), () => agentCard(ctx, agent));
      oldAgents.delete(agent.name);
      return node;
    });
    for (const gone of oldAgents.values()) gone.remove();
    if (session.agents.length === 0) agents.replaceChildren(el('p', { class: 'empty', text: 'No agents yet.' }));
    else if (agentNodes.some((node, i) => agents.children[i] !== node)) agents.replaceChildren(...agentNodes);

    const slot = q('.new-task-slot');
    const form = keyed(
      slot.firstElementChild,
      access + session.agents.map((a) => a.name).join('\0'),
      () => createTaskForm(ctx, session) || el('span', { hidden: true }),
    );
    if (form.parentNode !== slot) slot.append(form);

    const cards = new Map([...section.querySelectorAll(':scope > .columns .task-card')].map((n) => [n.getAttribute('data-task'), n]));
    const byColumn = new Map(TASK_COLUMNS.map((status) => [status, []]));
    for (const task of session.tasks) (byColumn.get(task.status) || byColumn.get('todo')).push(task);
    section.__expanded ??= new Set();
    for (const status of TASK_COLUMNS) {
      const column = section.querySelector(`:scope > .columns [data-column="${status}"]`);
      const list = column.querySelector('ul');
      const tasks = byColumn.get(status);
      const shown = section.__expanded.has(status) ? tasks : tasks.slice(0, COLUMN_CAP);
      const wanted = shown.map((task) => {
        const node = keyed(cards.get(task.id), access + JSON.stringify(task), () => taskCard(ctx, session, task));
        cards.delete(task.id);
        return node;
      });
      column.querySelector('h4').textContent = `${status.replace('_', ' ')} (${tasks.length})`;
      if (list.children.length !== wanted.length || wanted.some((node, i) => list.children[i] !== node)) list.replaceChildren(...wanted);
      const more = column.querySelector(':scope > button.more');
      if (shown.length < tasks.length) {
        const label = `Show all ${tasks.length}`;
        if (!more) {
          column.append(
            el('button', {
              type: 'button',
              class: 'more',
              text: label,
              onclick: () => {
                section.__expanded.add(status);
                updateSession(section, section.__ctx, section.__session);
              },
            }),
          );
        } else more.textContent = label;
      } else if (more) more.remove();
    }
    for (const gone of cards.values()) gone.remove();
    section.__ctx = ctx;
    section.__session = session;
  }

  /** What is focused or typed in `scope`, to put back after a redraw. */
  function keepInput(scope) {
    const kept = [];
    for (const node of scope.querySelectorAll('[data-key]')) {
      if ('value' in node && node.value && node.tagName === 'INPUT') kept.push({ key: node.getAttribute('data-key'), value: node.value });
    }
    const active = document.activeElement;
    const focus = active && scope.contains(active) ? active.getAttribute('data-key') || active.getAttribute('data-act') : null;
    return { kept, focus, selection: active && 'selectionStart' in active ? active.selectionStart : null };
  }

  function restoreInput(scope, saved) {
    for (const { key, value } of saved.kept) {
      const node = scope.querySelector(`[data-key="${CSS.escape(key)}"]`);
      if (node && node.tagName === 'INPUT') node.value = value;
    }
    if (saved.focus) {
      const node = scope.querySelector(`[data-key="${CSS.escape(saved.focus)}"]`) || scope.querySelector(`[data-act="${CSS.escape(saved.focus)}"]`);
      if (node) {
        node.focus();
        if (saved.selection !== null && typeof node.setSelectionRange === 'function') node.setSelectionRange(saved.selection, saved.selection);
      }
    }
  }

  /** Draws (or updates) one session in `root`. */
  function drawSession(root, ctx, session) {
    let section = root.querySelector(`section.session[data-session="${CSS.escape(session.id)}"]`);
    if (!section) {
      section = sessionNode(session);
      root.append(section);
    }
    updateSession(section, ctx, session);
    scrollScreens(section);
  }

  function removeSession(root, id) {
    const existing = root.querySelector(`section.session[data-session="${CSS.escape(id)}"]`);
    if (existing) existing.remove();
  }

  /** Draws the whole board (sessions kept where they still exist, updated by what changed). */
  function drawBoard(root, ctx, sessions) {
    const ids = new Set(sessions.map((s) => s.id));
    for (const node of [...root.children]) {
      if (!(node.matches('section.session') && ids.has(node.getAttribute('data-session')))) node.remove();
    }
    if (sessions.length === 0) root.append(el('p', { class: 'empty', text: 'No sessions yet: create one with the create_session tool.' }));
    for (const session of sessions) drawSession(root, ctx, session);
    const order = sessions.map((s) => root.querySelector(`section.session[data-session="${CSS.escape(s.id)}"]`));
    if (order.some((node, i) => root.children[i] !== node)) root.append(...order);
    root.setAttribute('aria-busy', 'false');
  }

  /**
   * What a person would want to be told between two versions of a session: an agent that
   * starts waiting for them, exits, or finishes its task (its current task done).
   */
  function noticesBetween(before, after) {
    const notices = [];
    if (!before) return notices;
    const old = new Map(before.agents.map((a) => [a.name, a]));
    for (const agent of after.agents) {
      const was = old.get(agent.name);
      if (!was || was.status === agent.status) continue;
      if (agent.status === 'waiting_for_person')
        notices.push({ tag: `wait:${agent.name}`, title: `${agent.name} needs you`, body: agent.pendingPrompt ? agent.pendingPrompt.question : agent.why });
      else if (agent.status === 'exited') notices.push({ tag: `exit:${agent.name}`, title: `${agent.name} exited`, body: agent.why });
    }
    const oldTasks = new Map(before.tasks.map((t) => [t.id, t.status]));
    for (const task of after.tasks) {
      const was = oldTasks.get(task.id);
      if (was !== undefined && was !== 'done' && task.status === 'done')
        notices.push({ tag: `done:${task.id}`, title: `${task.id} done${task.assignee ? ` (${task.assignee})` : ''}`, body: task.title });
    }
    return notices;
  }

  window.ClaudeHubBoard = { drawBoard, drawSession, removeSession, noticesBetween, el, accessWords };
})();
