/*
 * The board inside an MCP host (the MCP App view): ext-apps' App talks to the host over
 * postMessage; the board is read through it (list_sessions, then each session's status
 * resource) and acts are tool calls through it, so the host's connection and its level apply
 * (a refusal comes back as the tool's error and is shown as text). Refreshed when the host
 * sends show_board's result, after each act, and every few seconds while shown.
 */
const B = window.ClaudeHubBoard;
const { App } = globalThis.ClaudeHubApps;
const root = document.getElementById('board');
const message = document.getElementById('message');
const connection = document.getElementById('connection');
const ACTS = ['answer_agent_prompt', 'send_message_to_agent', 'create_task', 'update_task'];
const ctx = { access: { who: 'you, through the host', role: null, ceiling: 'the server', acts: ACTS }, actions: { act } };
let version = 0;
let refreshing = null;

function say(text, kind) {
  message.textContent = text;
  message.className = `message ${kind || 'info'}`;
  message.hidden = text === '';
}

function textOf(result) {
  const text = (result.content || []).find((c) => c.type === 'text');
  return text ? text.text : '';
}

const app = new App({ name: 'claude-hub board', version: '1' }, {});

async function act(tool, args) {
  say(`${tool.replace(/_/g, ' ')}…`, 'info');
  try {
    const result = await app.callServerTool({ name: tool, arguments: args });
    if (result.isError) {
      say(textOf(result) || `${tool} failed.`, 'error');
      return false;
    }
    say(textOf(result) || 'Done.', 'ok');
    void refresh();
    return true;
  } catch (error) {
    say(`The host did not pass the call on: ${String(error)}`, 'error');
    return false;
  }
}

async function readStatus(id) {
  const read = await app.readServerResource({ uri: `hub://sessions/${id}/status` });
  const content = read.contents?.[0];
  return content && typeof content.text === 'string' ? JSON.parse(content.text) : null;
}

/**
 * A session status (the resource, which names ids as the tools take them: session_id,
 * agent_name, task_id) as the board's session shape (id, name).
 */
function boardSession(status) {
  return {
    id: status.session.session_id,
    name: status.session.name,
    root: status.session.root,
    agents: status.agents.map(({ agent_name, ...a }) => ({ ...a, name: agent_name, screen: [] })),
    tasks: status.tasks.items.map(({ task_id, ...t }) => ({ ...t, id: task_id })),
    todo: status.todo,
    diagnostics: status.diagnostics,
    timeline: [],
  };
}

async function refreshOnce() {
  const list = await app.callServerTool({ name: 'list_sessions', arguments: {} });
  if (list.isError) throw new Error(textOf(list));
  const sessions = [];
  for (const info of list.structuredContent.sessions) {
    const status = await readStatus(info.session_id).catch(() => null);
    if (status) sessions.push(boardSession(status));
  }
  B.drawBoard(root, ctx, sessions);
  version += 1;
  root.dataset.version = String(version);
  connection.textContent = 'live';
  connection.className = 'connection up';
}

function refresh() {
  refreshing ??= refreshOnce()
    .catch((error) => {
      connection.textContent = 'cannot read the board';
      connection.className = 'connection down';
      say(String(error?.message ? error.message : error), 'error');
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

app.ontoolresult = () => void refresh();
await app.connect();
document.getElementById('who').textContent = 'inside your MCP client';
await refresh();
setInterval(() => {
  if (document.visibilityState === 'visible') void refresh();
}, 3000);
