/**
 * The fs edge of the protocol on real temp dirs: confined reads, atomic writes that keep the
 * mode, compare-and-swap updates that never lose a concurrent edit, and id allocation that
 * stays unique across real concurrent processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import { createTaskFile, isMissing, readProtocolFile, updateProtocolFile, writeFileAtomic } from '../../src/store/files.js';
import { appendTaskLog, parseTask, parseTodo, toggleTodoItem } from '../../src/protocol/index.js';

const REPO = join(import.meta.dirname, '../..');
const TEMPLATE_PATH = join(REPO, 'templates/task.md');
const sha = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const dirs: string[] = [];
async function tempRoot(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'p-files-'));
  dirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const TASK = '---\nid: TASK-1\ntitle: T\nstatus: todo\n---\n\n- [ ] a\n';

describe('readProtocolFile', () => {
  it('returns the text with its BOM and CRLF, and the sha256 of the bytes', async () => {
    const root = await tempRoot();
    const bytes = Buffer.from('\uFEFF# Plan\r\n- [ ] a\r\n', 'utf8');
    await writeFile(join(root, 'TODO.md'), bytes);
    const file = await readProtocolFile(root, 'TODO.md');
    expect(file.text).toBe('\uFEFF# Plan\r\n- [ ] a\r\n');
    expect(file.hash).toBe(sha(bytes));
    expect(file.size).toBe(bytes.length);
  });

  it.each([
    ['a file over 5 MB', 'big.md', Buffer.alloc(5 * 1024 * 1024 + 1, 0x61), 'TOO_LARGE'],
    ['NUL bytes', 'bin.md', Buffer.from('# a\n\u0000\n'), 'BINARY_FILE'],
    ['invalid UTF-8', 'latin1.md', Buffer.from([0x23, 0x20, 0x63, 0x61, 0x66, 0xe9, 0x0a]), 'BINARY_FILE'],
  ])('refuses %s with %s', async (_what, name, bytes, code) => {
    const root = await tempRoot();
    await writeFile(join(root, name), bytes);
    await expect(readProtocolFile(root, name)).rejects.toMatchObject({ code });
  });

  it('refuses paths and symlinks that leave the root, and follows links that stay inside', async () => {
    const root = await tempRoot();
    const outside = await tempRoot();
    await writeFile(join(outside, 'secret.md'), '# secret\n');
    await symlink(join(outside, 'secret.md'), join(root, 'TODO.md'));
    await mkdir(join(root, '.claude-hub'));
    await symlink(outside, join(root, '.claude-hub', 'tasks'));
    await writeFile(join(root, 'real.md'), '# real\n');
    await symlink('real.md', join(root, 'inside.md'));
    await expect(readProtocolFile(root, 'TODO.md')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    await expect(readProtocolFile(root, '.claude-hub/tasks/secret.md')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    await expect(readProtocolFile(root, '../x.md')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    await expect(readProtocolFile(root, '/etc/passwd')).rejects.toMatchObject({ code: 'INVALID_PATH' });
    expect((await readProtocolFile(root, 'inside.md')).text).toBe('# real\n');
    // The O_NOFOLLOW fast path for confined directories still resolves and checks links.
    expect((await readProtocolFile(root, 'inside.md', { directoryConfined: true })).text).toBe('# real\n');
    await expect(readProtocolFile(root, 'TODO.md', { directoryConfined: true })).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    const missing = await readProtocolFile(root, 'none.md').catch((error: unknown) => error);
    expect(isMissing(missing)).toBe(true);
    // Refusing to read never writes through the link.
    expect(await readFile(join(outside, 'secret.md'), 'utf8')).toBe('# secret\n');
    await expect(updateProtocolFile(root, 'TODO.md', () => 'pwned')).rejects.toMatchObject({ code: 'OUTSIDE_ROOT' });
    expect(await readFile(join(outside, 'secret.md'), 'utf8')).toBe('# secret\n');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the content, keeps the mode and leaves no temp file', async () => {
    const root = await tempRoot();
    const path = join(root, 'TODO.md');
    await writeFile(path, 'old');
    await chmod(path, 0o640);
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(root)).toEqual(['TODO.md']);
  });
});

describe('updateProtocolFile', () => {
  it('re-applies the edit when someone else saved in between, keeping their change', async () => {
    const root = await tempRoot();
    const path = join(root, 'TODO.md');
    await writeFile(path, '# Plan\n- [ ] a\n- [ ] b\n');
    let calls = 0;
    const seen: { path: string; hash: string }[] = [];
    const result = await updateProtocolFile(
      root,
      'TODO.md',
      (text) => {
        calls++;
        const edited = toggleTodoItem(text, 'TODO.md', 2, true);
        // A person saves after the hub read the file and before it writes.
        if (calls === 1) writeFileSync(path, '# Plan\n- [ ] a\n- [x] b\n- [ ] added by a person\n');
        return edited;
      },
      { beforeWrite: (written, hash) => seen.push({ path: written, hash }) },
    );
    const final = await readFile(path, 'utf8');
    expect(final).toBe('# Plan\n- [x] a\n- [x] b\n- [ ] added by a person\n');
    expect(result.retries).toBe(1);
    expect(result.hash).toBe(sha(final));
    expect(seen).toEqual([{ path, hash: sha(final) }]);
  });

  it('applies to the current bytes when expectHash is stale, and writes nothing when the edit throws', async () => {
    const root = await tempRoot();
    await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
    const rel = '.claude-hub/tasks/TASK-1-t.md';
    await writeFile(join(root, rel), TASK);
    const stale = sha('something older');
    const result = await updateProtocolFile(root, rel, (text) => appendTaskLog(text, rel, { at: '2026-11-21', who: 'Agent_1', text: 'hi' }), {
      expectHash: stale,
    });
    expect(result.retries).toBe(1);
    expect(parseTask(await readFile(join(root, rel), 'utf8'), rel).log).toHaveLength(1);
    const before = await readFile(join(root, rel));
    await expect(updateProtocolFile(root, rel, (text) => toggleTodoItem(text, rel, 99, true))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await writeFile(join(root, 'bin.md'), Buffer.from('\u0000'));
    await expect(updateProtocolFile(root, 'bin.md', (text) => text + 'x')).rejects.toMatchObject({ code: 'BINARY_FILE' });
    expect(await readFile(join(root, rel))).toEqual(before);
    expect(await readFile(join(root, 'bin.md'))).toEqual(Buffer.from('\u0000'));
  });
});

describe('concurrent processes', () => {
  let build: string;
  beforeAll(async () => {
    // Child processes run the real module, compiled by the project's own TypeScript.
    build = await mkdtemp(join(REPO, 'node_modules/.cache-p-files-'));
    await exec(
      process.execPath,
      [
        join(REPO, 'node_modules/typescript/bin/tsc'),
        '--outDir',
        build,
        '--rootDir',
        join(REPO, 'src'),
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--strict',
        '--skipLibCheck',
        '--types',
        'node',
        join(REPO, 'src/store/files.ts'),
      ],
      {
        cwd: REPO,
        timeoutMs: 120_000,
      },
    );
    await writeFile(join(build, 'package.json'), '{"type":"module"}\n');
    await writeFile(
      join(build, 'worker.mjs'),
      `import { readFileSync } from 'node:fs';
import { createTaskFile, updateProtocolFile } from './store/files.js';
import { appendTaskLog, toggleTodoItem } from './protocol/index.js';
const [mode, root, who, count, template] = process.argv.slice(2);
const ids = [];
for (let i = 0; i < Number(count); i++) {
  if (mode === 'create') ids.push((await createTaskFile(root, { title: who + ' task ' + i, created: '2026-11-21', assignee: who }, readFileSync(template, 'utf8'))).id);
  if (mode === 'log') await updateProtocolFile(root, '.claude-hub/tasks/TASK-1-t.md', (t) => appendTaskLog(t, 'TASK-1-t.md', { at: '2026-11-21 14:03', who, text: who + ' message ' + i }));
  if (mode === 'toggle') await updateProtocolFile(root, 'TODO.md', (t) => toggleTodoItem(t, 'TODO.md', Number(who) + 1 + i * 4, true));
}
process.stdout.write(JSON.stringify(ids));
`,
    );
  });
  afterAll(async () => {
    if (build !== undefined) await rm(build, { recursive: true, force: true });
  });

  const run = (args: string[]) =>
    exec(process.execPath, [join(build, 'worker.mjs'), ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeoutMs: 120_000 });

  it('four processes creating tasks at once never get the same id', async () => {
    const root = await tempRoot();
    const results = await Promise.all(['Agent_1', 'Agent_2', 'Agent_3', 'Agent_4'].map((who) => run(['create', root, who, '6', TEMPLATE_PATH])));
    const ids = results.flatMap((result) => JSON.parse(result.stdout) as string[]);
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
    const files = (await readdir(join(root, '.claude-hub/tasks'))).filter((name) => name.endsWith('.md'));
    expect(files).toHaveLength(24);
    for (const name of files) {
      const doc = parseTask(await readFile(join(root, '.claude-hub/tasks', name), 'utf8'), name);
      expect(doc.diagnostics).toEqual([]);
    }
    expect([...ids].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)))).toEqual(Array.from({ length: 24 }, (_, i) => `TASK-${i + 1}`));
  });

  it('four processes appending to one task log and toggling one TODO.md lose no edit', async () => {
    const root = await tempRoot();
    await mkdir(join(root, '.claude-hub/tasks'), { recursive: true });
    await writeFile(join(root, '.claude-hub/tasks/TASK-1-t.md'), TASK);
    await writeFile(join(root, 'TODO.md'), Array.from({ length: 20 }, (_, i) => `- [ ] item ${i}`).join('\n') + '\n');
    await Promise.all([
      ...['Agent_1', 'Agent_2', 'Agent_3', 'Agent_4'].map((who) => run(['log', root, who, '5'])),
      ...['0', '1', '2', '3'].map((who) => run(['toggle', root, who, '5'])),
    ]);
    const doc = parseTask(await readFile(join(root, '.claude-hub/tasks/TASK-1-t.md'), 'utf8'), 'TASK-1-t.md');
    expect(doc.log).toHaveLength(20);
    expect(new Set(doc.log.map((entry) => entry.text)).size).toBe(20);
    expect(parseTodo(await readFile(join(root, 'TODO.md'), 'utf8'), 'TODO.md').progress).toEqual({ done: 20, total: 20 });
  });

  it('createTaskFile rejects a bad title before claiming an id', async () => {
    const root = await tempRoot();
    const template = await readFile(TEMPLATE_PATH, 'utf8');
    await expect(createTaskFile(root, { title: 'two\nlines', created: '2026-11-21' }, template)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await readdir(join(root, '.claude-hub/ids'))).toEqual([]);
    const created = await createTaskFile(root, { title: 'Fix: login', created: '2026-11-21' }, template);
    expect(created).toMatchObject({ id: 'TASK-1', file: '.claude-hub/tasks/TASK-1-fix-login.md' });
    expect(await readFile(join(root, created.file), 'utf8')).toBe(created.text);
    // A task file a person made by hand takes its id: the next one allocated is past it, and it is untouched.
    await writeFile(join(root, '.claude-hub/tasks/TASK-2-fix-login.md'), 'by hand\n');
    const second = await createTaskFile(root, { title: 'Fix: login', created: '2026-11-21' }, template);
    expect(second.id).toBe('TASK-3');
    expect(await readFile(join(root, '.claude-hub/tasks/TASK-2-fix-login.md'), 'utf8')).toBe('by hand\n');
    expect((await readdir(join(root, '.claude-hub/tasks'))).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });
});
