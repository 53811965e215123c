/**
 * Issue 18 (items 4–9), through a real MCP client on linked transports and a real hub (files
 * on disk, the live index, the audit log; a private tmux socket, no agents).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { defaultConfig, type HubConfig } from '../../src/config.js';
import { exec } from '../../src/exec.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import type { IndexChange } from '../../src/hub/index.js';
import { silentLogger } from '../../src/log.js';
import { parseTask, parseTodo } from '../../src/protocol/index.js';
import { createServer } from '../../src/server/create-server.js';
import { ERROR_META_KEY } from '../../src/server/call-tool.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { bigPlan } from '../helpers/big-plan.js';

const socket = `truthful-${process.pid}`;
let dir: string;
let hub: Hub;
let client: Client;
let closeServer: () => Promise<void>;
let root: string;
let sessionId: string;
let stateDir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'truthful-tools-'));
});
afterAll(async () => {
  await exec('tmux', ['-L', socket, 'kill-server'], { allowFailure: true });
  await rm(dir, { recursive: true, force: true });
});

async function start(level: HubConfig['securityLevel'] = 'HIGH'): Promise<void> {
  const state = join(dir, `state-${randomBytes(4).toString('hex')}`);
  stateDir = state;
  const config: HubConfig = { ...defaultConfig({ HOME: dir }), stateDir: state, backend: 'tmux', securityLevel: level };
  hub = await createHub(config, silentLogger, {
    backend: new TmuxBackend({ socket }),
    env: { HOME: dir, CLAUDE_HUB_KEY: randomBytes(32).toString('hex') },
    gitAudit: false,
    home: join(dir, 'home'),
  });
  const built = createServer({ hub, config, logger: silentLogger, version: '0.0.0-test' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'truthful-test', version: '1.0.0' });
  await built.server.connect(serverSide);
  await client.connect(clientSide);
  closeServer = async () => {
    await client.close();
    await built.close();
  };
}

async function call(name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
const text = (result: CallToolResult): string => (result.content[0] as { text: string }).text;
const code = (result: CallToolResult): unknown => (result._meta?.[ERROR_META_KEY] as { code?: unknown } | undefined)?.code;

beforeEach(async () => {
  await start();
  root = join(dir, `root-${randomBytes(4).toString('hex')}`);
  await mkdir(root);
  await writeFile(join(root, 'TODO.md'), '# TODO\n\n## Agent_1\n\n- [ ] first\n- [x] second\n');
  const created = await call('create_session', { root_path: root, session_name: `app-${randomBytes(2).toString('hex')}` });
  expect(created.isError).toBeFalsy();
  sessionId = (created.structuredContent as { session: { session_id: string } }).session.session_id;
});
afterEach(async () => {
  await closeServer();
  await hub.close();
});

const _taskFiles = async (): Promise<string[]> => (await readdir(join(root, '.claude-hub/tasks'))).sort();

describe('item 4: names YAML reads as values', () => {
  it.each(['true', 'null', 'false', 'yes', 'No', 'ON', 'y'])(
    'assignee and from %j: create_task and update_task work, the file says the same text',
    async (name) => {
      const created = await call('create_task', { session_id: sessionId, title: name, assignee: name, from: name });
      expect(created.isError, text(created)).toBeFalsy();
      const task = (created.structuredContent as { task: { task_id: string; assignee: unknown; from: unknown; title: unknown; file: string } }).task;
      expect(task).toMatchObject({ assignee: name, from: name, title: name });
      const file = await readFile(join(root, task.file), 'utf8');
      expect(file).toContain(`assignee: "${name}"`);

      const updated = await call('update_task', { session_id: sessionId, task_id: task.task_id, assignee: name, title: name, log: 'again', from: name });
      expect(updated.isError, text(updated)).toBeFalsy();
      expect(parseTask(await readFile(join(root, task.file), 'utf8'), task.file).task).toMatchObject({ assignee: name, from: name, title: name });
    },
  );
});

describe('item 5: a broken task file stays visible', () => {
  const BROKEN = '---\nid: TASK-7\ntitle: [unclosed\nstatus: todo\n---\n\nThe body a person needs to fix.\n';

  it('is listed with file and line, served raw with its diagnostic, refused for edits by file and line, never rewritten', async () => {
    await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
    await writeFile(join(root, '.claude-hub/tasks/TASK-7-broken.md'), BROKEN);
    await hub.index.rescan();

    const listed = await call('list_tasks', { session_id: sessionId });
    const broken = (listed.structuredContent as { broken: { task_id: string; file: string; line: number; code: string }[] }).broken;
    expect(broken).toEqual([
      expect.objectContaining({ task_id: 'TASK-7', file: '.claude-hub/tasks/TASK-7-broken.md', code: 'yaml-invalid', session_id: sessionId }),
    ]);
    expect(broken[0]?.line).toBeGreaterThanOrEqual(2);
    expect(text(listed)).toContain('TASK-7 BROKEN .claude-hub/tasks/TASK-7-broken.md line');
    // Also with a filter: a broken file has no status to filter by.
    expect((await call('list_tasks', { session_id: sessionId, status: 'done' })).structuredContent).toMatchObject({
      tasks: [],
      broken: [{ task_id: 'TASK-7' }],
    });

    const uri = `hub://sessions/${sessionId}/tasks/TASK-7`;
    const read = await client.readResource({ uri });
    expect(read.contents[0]).toMatchObject({ uri, mimeType: 'text/markdown', text: BROKEN });
    expect((read.contents[1] as { text: string }).text).toMatch(/does not parse[\s\S]*TASK-7-broken\.md:\d+: error yaml-invalid/);
    expect((await client.listResources()).resources.map((r) => r.uri)).toContain(uri);

    const refused = await call('update_task', { session_id: sessionId, task_id: 'TASK-7', status: 'done' });
    expect(code(refused)).toBe('NOT_EDITABLE');
    expect(text(refused)).toMatch(/TASK-7 is in \.claude-hub\/tasks\/TASK-7-broken\.md, which does not parse \(line \d+: .*\)\. Fix it by hand/);
    expect(await readFile(join(root, '.claude-hub/tasks/TASK-7-broken.md'), 'utf8')).toBe(BROKEN);

    const status = await call('get_session_status', { session_id: sessionId });
    expect(JSON.stringify(status.structuredContent)).toContain('yaml-invalid');
  });

  it('a valid file that breaks is "broken" in the index events, not "removed"; fixed, it is "changed"', async () => {
    const created = await call('create_task', { session_id: sessionId, title: 'Soon broken' });
    const file = (created.structuredContent as { task: { file: string } }).task.file;
    const seen: IndexChange[] = [];
    const off = hub.index.onChange((change) => seen.push(change));
    const good = await readFile(join(root, file), 'utf8');
    await writeFile(join(root, file), good.replace('title: Soon broken', 'title: [oops'));
    await hub.index.rescan();
    await hub.index.reflect(join(root, file));
    const broke = seen.filter((c): c is Extract<IndexChange, { kind: 'task' }> => c.kind === 'task');
    expect(broke.map((c) => c.change)).toContain('broken');
    expect(broke.map((c) => c.change)).not.toContain('removed');
    expect(broke.find((c) => c.change === 'broken')).toMatchObject({ taskId: 'TASK-1', file, diagnostic: { code: 'yaml-invalid' } });
    expect(hub.index.brokenTask(sessionId, 'TASK-1')).toMatchObject({ file, code: 'yaml-invalid' });

    seen.length = 0;
    await writeFile(join(root, file), good);
    await hub.index.reflect(join(root, file));
    expect(seen.filter((c) => c.kind === 'task').map((c) => (c as { change: string }).change)).toContain('changed');
    off();
    expect(hub.index.brokenTasks(sessionId)).toEqual([]);
  });
});

describe('item 6: errors carry the id the caller needs', () => {
  it('create_session on a root that is a session names its id; a taken name names its id', async () => {
    const again = await call('create_session', { root_path: root, session_name: 'other' });
    expect(code(again)).toBe('ROOT_OVERLAP');
    expect(text(again)).toContain(`is already session ${sessionId}`);
    expect(text(again)).toContain(`use session_id ${sessionId}`);

    const name = (await call('list_sessions', {})).structuredContent as { sessions: { session_id: string; name: string }[] };
    const mine = name.sessions.find((s) => s.session_id === sessionId);
    const other = join(dir, `other-${randomBytes(3).toString('hex')}`);
    await mkdir(other);
    const taken = await call('create_session', { root_path: other, session_name: mine?.name });
    expect(code(taken)).toBe('ALREADY_EXISTS');
    expect(text(taken)).toContain(`session_id ${sessionId}`);

    const inside = join(root, 'sub');
    await mkdir(inside);
    const nested = await call('create_session', { root_path: inside, session_name: 'nested' });
    expect(text(nested)).toContain(`session ${sessionId}`);
  });

  it("get_session_status with the session's name says which id it means, in the message", async () => {
    const { sessions } = (await call('list_sessions', {})).structuredContent as { sessions: { session_id: string; name: string }[] };
    const name = sessions.find((s) => s.session_id === sessionId)?.name ?? '';
    const byName = await call('get_session_status', { session_id: name });
    expect(code(byName)).toBe('SESSION_NOT_FOUND');
    expect(text(byName)).toContain(`matches session ${sessionId}`);
    const unknown = await call('get_session_status', { session_id: 'nothing-like-it' });
    expect(text(unknown)).toContain(sessionId);
  });
});

describe('item 7: writes that name what does not exist say so', () => {
  it('create_task with an unknown assignee and depends_on: created, with warnings in the result and the diagnostics', async () => {
    const created = await call('create_task', { session_id: sessionId, title: 'Orphan', assignee: 'Agent_9', depends_on: ['TASK-404'] });
    expect(created.isError).toBeFalsy();
    const warnings = (created.structuredContent as { warnings: { code: string; message: string; file: string; line: number }[] }).warnings;
    expect(warnings.map((w) => w.code).sort()).toEqual(['assignee-unknown', 'depends-on-unknown']);
    expect(warnings.every((w) => w.file.startsWith('.claude-hub/tasks/TASK-1') && w.line > 1)).toBe(true);
    expect(text(created)).toMatch(/Warning: .*Agent_9.*TASK-404|Warning: .*TASK-404.*Agent_9/);
    const fine = await call('create_task', { session_id: sessionId, title: 'Depends on the orphan', depends_on: ['TASK-1'] });
    expect((fine.structuredContent as { warnings: unknown[] }).warnings).toEqual([]);
  });

  it('from defaults to "user" as the schema says, in the file and in log lines; update_task says who logs', async () => {
    const created = await call('create_task', { session_id: sessionId, title: 'Who' });
    const task = (created.structuredContent as { task: { task_id: string; file: string; from: string } }).task;
    expect(task.from).toBe('user');
    await call('update_task', { session_id: sessionId, task_id: task.task_id, log: 'by default' });
    await call('update_task', { session_id: sessionId, task_id: task.task_id, log: 'by name', from: 'jane.doe' });
    const log = parseTask(await readFile(join(root, task.file), 'utf8'), task.file).log;
    expect(log.map((entry) => [entry.from, entry.text])).toEqual([
      ['user', 'by default'],
      ['jane.doe', 'by name'],
    ]);
    const { tools } = await client.listTools();
    const schema = tools.find((t) => t.name === 'create_task')?.inputSchema.properties?.['from'] as { description: string };
    expect(schema.description).toMatch(/user \(default\)/);
    const lonely = await call('update_task', { session_id: sessionId, task_id: task.task_id, from: 'jane.doe' });
    expect(code(lonely)).toBe('INVALID_ARGUMENT');
  });
});

describe('item 8: what a model reads is small', () => {
  it('tools/list is at most 12 KiB, every input field described', async () => {
    const { tools } = await client.listTools();
    const bytes = Buffer.byteLength(JSON.stringify({ tools }), 'utf8');
    expect(bytes).toBeLessThanOrEqual(12 * 1024);
    for (const tool of tools) {
      for (const [field, schema] of Object.entries(tool.inputSchema.properties ?? {}))
        expect((schema as { description?: string }).description, `${tool.name}.${field}`).toMatch(/\w/);
    }
  });

  it('get_session_status on a 20,000-line plan, 150 tasks and 40 broken files is at most 8 KiB and says where the rest is', async () => {
    const plan = bigPlan({ quoteEvery: 50 });
    await writeFile(join(root, 'TODO.md'), plan.text);
    for (let i = 0; i < 150; i++)
      await call('create_task', {
        session_id: sessionId,
        title: `A long title for task ${i} ${'that says a lot '.repeat(8)}`,
        assignee: `Agent_${i % 9}`,
        depends_on: [`TASK-${900 + i}`],
      });
    for (let i = 0; i < 40; i++) await writeFile(join(root, `.claude-hub/tasks/TASK-${500 + i}-broken.md`), '---\ntitle: [x\n---\n');
    await hub.index.rescan();
    await hub.index.reflect(join(root, 'TODO.md'));

    const result = await call('get_session_status', { session_id: sessionId });
    expect(result.isError).toBeFalsy();
    expect(Buffer.byteLength(JSON.stringify(result), 'utf8')).toBeLessThanOrEqual(8 * 1024);
    const status = result.structuredContent as {
      todo: { done: number; total: number; sectionCount: number };
      tasks: { total: number; items: unknown[] };
      diagnosticCounts: { total: number };
      more: string;
    };
    expect(status.todo).toMatchObject({ done: plan.done, total: plan.items, sectionCount: plan.sections });
    expect(status.tasks.total).toBe(150);
    expect(status.tasks.items.length).toBeGreaterThan(0);
    expect(status.diagnosticCounts.total).toBeGreaterThan(300);
    expect(status.more).toContain('list_tasks');
    expect(status.more).toContain(`hub://sessions/${sessionId}/status`);
  });
});

describe('item 9: edit_todo', () => {
  const todo = async (): Promise<string> => readFile(join(root, 'TODO.md'), 'utf8');

  it('adds under an existing section, creates a missing one, ticks and unticks, changing only those bytes', async () => {
    const before = await todo();
    const added = await call('edit_todo', { session_id: sessionId, action: 'add', agent: 'Agent_1', text: 'third' });
    expect(added.isError, text(added)).toBeFalsy();
    expect(added.structuredContent).toMatchObject({
      file: 'TODO.md',
      item: { line: 7, text: 'third', checked: false, assignee: 'Agent_1', section: 'Agent_1' },
      progress: { done: 1, total: 3 },
      changed: true,
    });
    expect(await todo()).toBe(before.replace('- [x] second\n', '- [x] second\n- [ ] third\n'));

    const section = await call('edit_todo', { session_id: sessionId, action: 'add', agent: 'Agent_2', text: 'tests' });
    expect(section.structuredContent).toMatchObject({ item: { text: 'tests', assignee: 'Agent_2', section: 'Agent_2' }, progress: { total: 4 } });
    expect(await todo()).toMatch(/\n## Agent_2\n\n- \[ \] tests\n$/);

    const ticked = await call('edit_todo', { session_id: sessionId, action: 'check', line: 5 });
    expect(ticked.structuredContent).toMatchObject({ item: { line: 5, text: 'first', checked: true }, changed: true });
    const again = await call('edit_todo', { session_id: sessionId, action: 'check', line: 5 });
    expect(again.structuredContent).toMatchObject({ changed: false });
    const unticked = await call('edit_todo', { session_id: sessionId, action: 'uncheck', line: 6 });
    expect(unticked.structuredContent).toMatchObject({ item: { text: 'second', checked: false } });
    expect(parseTodo(await todo(), 'TODO.md').progress).toEqual({ done: 1, total: 4 });
    const status = (await call('get_session_status', { session_id: sessionId })).structuredContent as { todo: { done: number; total: number } };
    expect(status.todo).toMatchObject({ done: 1, total: 4 });
  });

  it('bad input is a clear error and changes nothing; a TODO.md that does not exist is created by add', async () => {
    const before = await todo();
    for (const [args, wanted] of [
      [{ action: 'check', line: 1 }, /no checklist item on line 1/],
      [{ action: 'check' }, /line/],
      [{ action: 'add', text: 'x' }, /agent/],
      [{ action: 'add', agent: 'Agent_1' }, /text/],
      [{ action: 'add', agent: 'Agent_1', text: 'two\nlines' }, /one line/],
      [{ action: 'add', agent: 'bad name', text: 'x' }, /agent/],
    ] as const) {
      const result = await call('edit_todo', { session_id: sessionId, ...args });
      expect(result.isError, JSON.stringify(args)).toBe(true);
      expect(text(result)).toMatch(wanted);
    }
    expect(await todo()).toBe(before);

    await rm(join(root, 'TODO.md'));
    const created = await call('edit_todo', { session_id: sessionId, action: 'add', agent: 'Agent_3', text: 'start here' });
    expect(created.isError, text(created)).toBeFalsy();
    expect(await todo()).toBe('# TODO\n\n## Agent_3\n\n- [ ] start here\n');
  });

  it('is audited, and is not offered at LOW', async () => {
    await call('edit_todo', { session_id: sessionId, action: 'check', line: 5 });
    await hub.whenSettled();
    const entries = (await readFile(join(stateDir, 'audit.jsonl'), 'utf8')).split('\n').filter((line) => line.includes('"edit_todo"'));
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0] ?? '{}')).toMatchObject({ tool: 'edit_todo', outcome: 'ok', session: sessionId });

    await closeServer();
    await hub.close();
    await start('LOW');
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('edit_todo');
    const refused = await call('edit_todo', { session_id: sessionId, action: 'check', line: 5 });
    expect(code(refused)).toBe('FORBIDDEN');
  });
});
