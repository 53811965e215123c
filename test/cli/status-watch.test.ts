/**
 * `claude-hub status` and `claude-hub watch`, called in-process on real folders and a real
 * (encrypted) state dir: one snapshot for both, agents only from the state store.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { statusCommand } from '../../src/commands/status.js';
import { watchCommand, type WatchLine } from '../../src/commands/watch.js';
import { naturalCompare } from '../../src/commands/session-view.js';
import { TEST_KEY, seedHubState } from './hub-state.js';
import { tempDirs } from '../helpers/temp-dirs.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/protocol');
const dirs = tempDirs();
afterAll(() => dirs.removeAll());
const temp = dirs.make;

function sink(isTTY = false): { stream: { write(text: string): boolean; isTTY: boolean }; text: () => string } {
  let text = '';
  return {
    stream: {
      isTTY,
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
    },
    text: () => text,
  };
}

async function status(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; tty?: boolean } = {},
): Promise<{ code: number; out: string; err: string }> {
  const out = sink(options.tty ?? false);
  const err = sink();
  const code = await statusCommand(argv, { stdout: out.stream, stderr: err.stream, env: options.env ?? {}, ...(options.cwd ? { cwd: options.cwd } : {}) });
  return { code, out: out.text(), err: err.text() };
}

/** watch's first lines (the snapshot), then stop. */
async function watchSnapshot(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; lines: WatchLine[]; err: string }> {
  const out = sink();
  const err = sink();
  const abort = new AbortController();
  abort.abort();
  const code = await watchCommand([...argv, '--json'], { stdout: out.stream, stderr: err.stream, env, signal: abort.signal });
  return {
    code,
    lines: out
      .text()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as WatchLine),
    err: err.text(),
  };
}

const TASK = (id: string, assignee: string | null, status = 'todo'): string =>
  `---\nid: ${id}\ntitle: Task ${id}\nstatus: ${status}\n${assignee === null ? '' : `assignee: ${assignee}\n`}priority: medium\n---\n\n- [ ] step\n`;

/** A root whose TODO sections and tasks name agents that exist, one that does not, and `yes`. */
async function team(): Promise<{ root: string; state: string }> {
  const root = await temp('hub-sw-root-');
  const state = await temp('hub-sw-state-');
  await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
  await writeFile(
    join(root, 'TODO.md'),
    '# Plan\n\n## Agent_10: docs\n\n- [ ] a\n\n## Agent_2: parser\n\n- [x] b\n- [ ] c (TASK-404)\n\n## Agent_1: old section\n\n- [ ] d\n',
  );
  await writeFile(join(root, '.claude-hub/tasks/TASK-1.md'), TASK('TASK-1', 'Agent_2', 'in_progress'));
  await writeFile(join(root, '.claude-hub/tasks/TASK-2.md'), TASK('TASK-2', 'yes'));
  await writeFile(join(root, '.claude-hub/tasks/TASK-3.md'), TASK('TASK-3', 'Agent_10'));
  return { root, state };
}

interface StatusJson {
  session: { id: string | null; name: string; root: string; source: string };
  todo: { present: boolean; done: number; total: number; sections: { title: string; owner: string | null; ownerIsAgent: boolean }[] };
  tasks: { id: string }[];
  agents: { name: string; status: string; tasks: string[] }[];
  assignees: { name: string; tasks: string[] }[];
  diagnostics: { file: string; line: number; severity: string; code: string; message: string }[];
  counts: { errors: number; warnings: number };
}

describe('status and watch: one snapshot, agents only from the state store', () => {
  it('with a hub session: its agents in natural order, the session by id, sections and assignees said to be what they are', async () => {
    const { root, state } = await team();
    // Created Agent_10 first: the state's order is not the order shown.
    await seedHubState(state, { id: 's7', name: 'web', root }, ['Agent_10', 'Agent_2']);
    const env = { CLAUDE_HUB_KEY: TEST_KEY };
    const result = await status([root, '--json', '--state-dir', state], { env });
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.out) as StatusJson;
    expect(json.session).toMatchObject({ id: 's7', name: 'web', root, source: 'state' });
    expect(json.agents.map((a) => [a.name, a.status, a.tasks])).toEqual([
      ['Agent_2', 'starting', ['TASK-1']],
      ['Agent_10', 'starting', ['TASK-3']],
    ]);
    expect(json.todo.sections.map((s) => [s.owner, s.ownerIsAgent])).toEqual([
      [null, false],
      ['Agent_10', true],
      ['Agent_2', true],
      ['Agent_1', false],
    ]);
    expect(json.assignees).toEqual([
      { name: 'Agent_1', tasks: [], todo: { done: 0, total: 1 } },
      { name: 'yes', tasks: ['TASK-2'], todo: { done: 0, total: 0 } },
    ]);
    expect(json.diagnostics.map((d) => `${d.file}:${d.line}:${d.code}`)).toEqual([
      '.claude-hub/tasks/TASK-2.md:5:assignee-unknown',
      'TODO.md:10:task-ref-unknown',
    ]);

    const text = await status([root, '--state-dir', state], { env });
    expect(text.out).toMatch(/^claude-hub status: session s7 "web" \(/);
    expect(text.out).toMatch(/Agent_1: old section +░+ +0\/1 +0% +Agent_1 \(named, not an agent\)/);
    expect(text.out).toContain('Agents (2; of the hub session, from the state dir)');
    expect(text.out).toMatch(/Named in TODO.md or tasks, not agents \(2\)\n {2}Agent_1 .*\n {2}yes +TODO +0\/0 +tasks: TASK-2/);

    // watch prints the same snapshot: the same agents (and only them), progress and diagnostics.
    const watched = await watchSnapshot([root, '--state-dir', state], env);
    expect(watched.code).toBe(0);
    expect(watched.err).toBe('');
    expect(watched.lines[0]).toMatchObject({ kind: 'watching', session: 's7', source: 'state', progress: { done: json.todo.done, total: json.todo.total } });
    expect(watched.lines.filter((l) => l.kind === 'agent').map((l) => l.agent)).toEqual(['Agent_2', 'Agent_10']);
    expect(watched.lines.filter((l) => l.kind === 'assignee').map((l) => l.agent)).toEqual(['Agent_1', 'yes']);
    expect(watched.lines.flatMap((l) => (l.diagnostic ? [l.diagnostic] : []))).toEqual(json.diagnostics);
  });

  it('without a hub session (no state): no agent is invented from a TODO section or an assignee', async () => {
    const { root, state } = await team();
    const watched = await watchSnapshot([root, '--state-dir', state]);
    expect(watched.code).toBe(0);
    expect(watched.lines.filter((l) => l.kind === 'agent')).toEqual([]);
    expect(watched.lines[0]).toMatchObject({ kind: 'watching', session: null, source: 'none', progress: { done: 1, total: 4 } });
    expect(watched.lines[0]?.why).toContain('not a hub session');
    expect(watched.lines.filter((l) => l.kind === 'assignee').map((l) => l.agent)).toEqual(['Agent_1', 'Agent_2', 'Agent_10', 'yes']);
    const json = JSON.parse((await status([root, '--json', '--state-dir', state])).out) as StatusJson;
    expect(json.agents).toEqual([]);
    expect(json.session).toMatchObject({ id: null, source: 'none' });
    expect(json.todo).toMatchObject({ done: 1, total: 4 });
    expect(watched.lines.flatMap((l) => (l.diagnostic ? [l.diagnostic] : []))).toEqual(json.diagnostics);
  });

  it('names sort naturally: Agent_2 before Agent_10, whatever order they come in', () => {
    expect(['Agent_10', 'Agent_1', 'Agent_2', 'Agent_9', 'alice'].sort(naturalCompare)).toEqual(['Agent_1', 'Agent_2', 'Agent_9', 'Agent_10', 'alice']);
  });
});

describe('status: the CLI conventions', () => {
  async function fixtureRoot(): Promise<string> {
    const root = await temp('hub-sw-fix-');
    await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
    await copyFile(join(FIXTURES, 'todo-nested-agents.md'), join(root, 'TODO.md'));
    for (const name of ['TASK-1-valid.md', 'TASK-2-status-variants.md', 'TASK-3-done-variants.md'])
      await copyFile(join(FIXTURES, name), join(root, '.claude-hub/tasks', name));
    return root;
  }

  it('ROOT defaults to the current folder; progress bars; control characters never reach the terminal', async () => {
    const root = await fixtureRoot();
    const state = await temp('hub-sw-state-');
    await writeFile(join(root, '.claude-hub/tasks/TASK-5-evil.md'), '---\nid: TASK-5\ntitle: "evil \\e[31mred"\nstatus: todo\n---\n');
    const { code, out } = await status(['--state-dir', state], { cwd: root });
    expect(code).toBe(0);
    expect(out).toContain(`claude-hub status: ${root} (not a hub session: no agents)`);
    expect(out).toContain('TODO.md █████░░░░░░░░░░░░░░░    3/11  27%');
    expect(out).toMatch(/TASK-1 +in_progress +Agent_1 +███████░░░ +2\/3 +67% +Set up the database schema/);
    expect(out).toContain('evil ?[31mred');
    expect(out).not.toContain('\u001b');
  });

  it('colour only on a TTY, and never with NO_COLOR', async () => {
    const root = await fixtureRoot();
    const state = await temp('hub-sw-state-');
    await copyFile(join(FIXTURES, 'TASK-4-invalid-yaml.md'), join(root, '.claude-hub/tasks/TASK-4-invalid-yaml.md'));
    const tty = await status([root, '--state-dir', state], { tty: true });
    expect(tty.out).toContain('\u001b[31merror\u001b[39m');
    expect(tty.out).toContain('\u001b[32mdone\u001b[39m');
    expect((await status([root, '--state-dir', state], { tty: true, env: { NO_COLOR: '1' } })).out).not.toContain('\u001b');
    expect((await status([root, '--state-dir', state], { tty: false })).out).not.toContain('\u001b');
  });

  it('diagnostics are capped at 50 (most severe first) with how to see the rest, and errors exit 1', async () => {
    const root = await temp('hub-sw-many-');
    const state = await temp('hub-sw-state-');
    await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
    await writeFile(join(root, '.claude-hub/tasks/TASK-1.md'), TASK('TASK-1', null).replace('id: TASK-1', 'id: TASK-1\ndepends_on: [TASK-999]'));
    for (let n = 2; n <= 61; n++) await writeFile(join(root, `.claude-hub/tasks/TASK-${n}.md`), `---\nid: TASK-${n}\ntitle: [unclosed\n---\n`);
    const capped = await status([root, '--state-dir', state]);
    expect(capped.code).toBe(1);
    expect(capped.out).toContain('Diagnostics (61: 60 errors, 1 warning)');
    const shown = capped.out.split('\n').filter((l) => /^ {2}\.claude-hub\/tasks\/TASK-\d+\.md:\d+ /.test(l));
    expect(shown).toHaveLength(50);
    expect(shown.every((l) => l.includes(' error '))).toBe(true);
    expect(capped.out).toContain('… 11 more; claude-hub status --all (or --json) lists every one');
    const all = await status([root, '--state-dir', state, '--all']);
    expect(all.code).toBe(1);
    expect(all.out.split('\n').filter((l) => /^ {2}\.claude-hub\/tasks\/TASK-\d+\.md:\d+ /.test(l))).toHaveLength(61);
    const json = JSON.parse((await status([root, '--state-dir', state, '--json'])).out) as StatusJson;
    expect(json.counts).toEqual({ errors: 60, warnings: 1 });
    expect(json.diagnostics).toHaveLength(61);
  });

  it('bad input exits 2 with its code: extra ROOTs, unknown flags, a missing or file ROOT', async () => {
    const root = await fixtureRoot();
    expect(await status(['a', 'b'])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^INVALID_ARGUMENT: status takes one ROOT/) });
    expect(await status(['--bogus', root])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^INVALID_ARGUMENT: Unknown option '--bogus'/) });
    expect(await status([join(root, 'missing')])).toMatchObject({ code: 2, out: '', err: expect.stringMatching(/^INVALID_PATH: .*missing does not exist/) });
    expect(await status([join(root, 'TODO.md')])).toMatchObject({
      code: 2,
      out: '',
      err: expect.stringMatching(/^INVALID_PATH: .*TODO\.md is a file, not a folder/),
    });
    const help = await status(['--help']);
    expect(help.code).toBe(0);
    for (const part of ['usage: claude-hub status [ROOT]', 'options:', '--json', '--all', '--state-dir DIR', '-h, --help', 'exit codes: 0 ok, 1'])
      expect(help.out).toContain(part);
  });
});
