/** `claude-hub status ROOT [--json]` on real session directories, called in-process. */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { statusCommand, readSessionSnapshot } from '../../src/commands/status.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/protocol');
const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function session(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'p-status-'));
  dirs.push(root);
  await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
  await copyFile(join(FIXTURES, 'todo-nested-agents.md'), join(root, 'TODO.md'));
  for (const name of ['TASK-1-valid.md', 'TASK-2-status-variants.md', 'TASK-3-done-variants.md', 'TASK-4-invalid-yaml.md']) {
    await copyFile(join(FIXTURES, name), join(root, '.claude-hub/tasks', name));
  }
  return root;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const code = await statusCommand(argv, { stdout, stderr });
  return { code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') };
}

describe('status command', () => {
  it('--json prints the documented shape with real figures', async () => {
    const root = await session();
    const { code, out, err } = await run([root, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const json = JSON.parse(out) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(['root', 'todo', 'tasks', 'agents', 'diagnostics']);
    expect(json.root).toBe(root);
    expect(json.todo).toMatchObject({ done: 3, total: 11 });
    expect((json.todo as { sections: unknown[] }).sections[1]).toEqual({ title: 'Agent_1 — backend', agent: 'Agent_1', done: 2, total: 6 });
    expect(json.tasks).toEqual([
      { id: 'TASK-1', title: 'Set up the database schema', status: 'in_progress', assignee: 'Agent_1', priority: 'high', progress: { done: 2, total: 3 }, file: '.claude-hub/tasks/TASK-1-valid.md' },
      { id: 'TASK-2', title: 'Status: hand-typed', status: 'in_progress', assignee: null, priority: 'high', progress: { done: 0, total: 0 }, file: '.claude-hub/tasks/TASK-2-status-variants.md' },
      { id: 'TASK-3', title: 'Finished thing', status: 'done', assignee: 'Agent_2', priority: 'critical', progress: { done: 1, total: 1 }, file: '.claude-hub/tasks/TASK-3-done-variants.md' },
    ]);
    expect(json.agents).toEqual([
      { name: 'Agent_1', done: 2, total: 5, tasks: ['TASK-1'] },
      { name: 'Agent_2', done: 1, total: 3, tasks: ['TASK-3'] },
      { name: 'Agent_3', done: 0, total: 2, tasks: [] },
    ]);
    const diagnostics = json.diagnostics as { file: string; line: number; severity: string; code: string }[];
    expect(diagnostics.map((d) => `${d.file}:${d.line}:${d.code}`)).toEqual([
      '.claude-hub/tasks/TASK-2-status-variants.md:6:depends-on-unknown',
      '.claude-hub/tasks/TASK-4-invalid-yaml.md:3:yaml-invalid',
    ]);
  });

  it('prints a readable summary with progress bars, and strips terminal control characters', async () => {
    const root = await session();
    await writeFile(join(root, '.claude-hub/tasks/TASK-5-evil.md'), '---\nid: TASK-5\ntitle: "evil \\e[31mred"\nstatus: todo\n---\n');
    const { code, out } = await run([root]);
    expect(code).toBe(0);
    expect(out).toContain('TODO.md █████░░░░░░░░░░░░░░░    3/11  27%');
    expect(out).toMatch(/Agent_1 — backend +████░░░░░░░░ +2\/6 +33% +Agent_1/);
    expect(out).toMatch(/TASK-1 +in_progress +Agent_1 +███████░░░ +2\/3 +67% +Set up the database schema/);
    expect(out).toContain('evil ?[31mred');
    expect(out).not.toContain('\u001b');
    expect(out).toContain('Diagnostics (2)');
  });

  it('reports unreadable files as diagnostics and leaves them untouched', async () => {
    const root = await session();
    const outside = await mkdtemp(join(tmpdir(), 'p-status-out-'));
    dirs.push(outside);
    await writeFile(join(outside, 'x.md'), '---\nid: TASK-9\n---\n');
    await symlink(join(outside, 'x.md'), join(root, '.claude-hub/tasks/TASK-9-link.md'));
    await writeFile(join(root, '.claude-hub/tasks/TASK-8-bin.md'), Buffer.from([0, 1, 2]));
    const snapshot = await readSessionSnapshot(root);
    expect(snapshot.diagnostics.filter((d) => d.code === 'OUTSIDE_ROOT' || d.code === 'BINARY_FILE').map((d) => `${d.file}:${d.code}`)).toEqual([
      '.claude-hub/tasks/TASK-8-bin.md:BINARY_FILE',
      '.claude-hub/tasks/TASK-9-link.md:OUTSIDE_ROOT',
    ]);
    expect(await readFile(join(root, '.claude-hub/tasks/TASK-8-bin.md'))).toEqual(Buffer.from([0, 1, 2]));
  });

  it('an empty root is a valid, empty session', async () => {
    const root = await mkdtemp(join(tmpdir(), 'p-status-empty-'));
    dirs.push(root);
    const { code, out } = await run(['--json', root]);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ root, todo: { done: 0, total: 0, sections: [] }, tasks: [], agents: [], diagnostics: [] });
  });

  it('usage errors exit 2 and a missing root exits 1 with its code', async () => {
    expect(await run([])).toMatchObject({ code: 2, out: '' });
    expect((await run(['a', 'b'])).err).toContain('INVALID_ARGUMENT');
    expect(await run(['--bogus', '/tmp'])).toMatchObject({ code: 2 });
    const missing = await run([join(tmpdir(), 'p-status-does-not-exist')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^SESSION_NOT_FOUND: /);
  });
});
