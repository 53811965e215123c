import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readFile, rename, rm, unlink, writeFile, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHash } from 'node:crypto';
import { chokidarFactory, HubWatcher, type FsWatcherFactory, type ProtocolFileChange, type HookFileChange } from '../../src/watch/watcher.js';
import { normaliseWatcherOptions } from '../../src/watch/options.js';
import { HubError } from '../../src/errors.js';
import { exec } from '../../src/exec.js';
import { removeAll, tasksDir, tempRoot, waitFor, writeAtomic } from './helpers.js';

let root: string;
let events: string;
let watcher: HubWatcher;
let files: ProtocolFileChange[];
let hooks: HookFileChange[];

async function start(factory?: FsWatcherFactory): Promise<void> {
  watcher = new HubWatcher({ rescanIntervalMs: 0 }, factory);
  files = [];
  hooks = [];
  watcher.on('file', (c) => files.push(c));
  watcher.on('hooks', (c) => hooks.push(c));
  await watcher.add({ id: 's1', root, eventsDir: events });
}

/** Waits until the watcher is quiet for a while: nothing more will come for what was done. */
async function quiet(): Promise<void> {
  let count = -1;
  while (count !== files.length + hooks.length) {
    count = files.length + hooks.length;
    await sleep(250);
    await watcher.whenIdle();
  }
}

beforeEach(async () => {
  root = await tempRoot();
  events = await tempRoot('hub-w-events-');
  await mkdir(tasksDir(root), { recursive: true });
});

afterEach(async () => {
  await watcher?.close();
  await removeAll(root, events);
});

describe('HubWatcher', () => {
  it('reports existing files on add, with cause initial, and nothing for a missing TODO.md', async () => {
    await writeFile(join(tasksDir(root), 'TASK-1-a.md'), 'one');
    await writeFile(join(tasksDir(root), 'notes.md'), 'not a task');
    await start();
    expect(files.map((f) => [f.kind, f.relPath, f.text, f.cause])).toEqual([['task', '.claude-hub/tasks/TASK-1-a.md', 'one', 'initial']]);
  });

  it('an atomic-rename save ends in exactly one settled state with the new content', async () => {
    await writeFile(join(root, 'TODO.md'), '- [ ] a\n');
    await start();
    files.length = 0;
    await writeAtomic(join(root, 'TODO.md'), '- [x] a\n');
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['- [x] a\n']);
    expect(files[0]?.hash).toBe(createHash('sha1').update('- [x] a\n').digest('hex'));
    expect(files[0]?.own).toBeNull();
  });

  it("vim's backup dance (rename away, create new, delete backup) ends in one state, never 'deleted'", async () => {
    const todo = join(root, 'TODO.md');
    await writeFile(todo, 'v1\n');
    await start();
    files.length = 0;
    await rename(todo, todo + '~');
    await writeFile(join(root, '4913'), '');
    await unlink(join(root, '4913'));
    await writeFile(todo, 'v2\n');
    await unlink(todo + '~');
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['v2\n']);
  });

  it('real tools that replace files (sed -i: temp + rename; perl -pi: unlink + create) each end in one state', async () => {
    const todo = join(root, 'TODO.md');
    await writeFile(todo, '- [ ] one\n- [ ] two\n');
    await start();
    files.length = 0;
    const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' };
    await exec('sed', ['-i', 's/- \\[ \\] one/- [x] one/', todo], { env });
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['- [x] one\n- [ ] two\n']);
    files.length = 0;
    await exec('perl', ['-pi', '-e', 's/- \\[ \\] two/- [x] two/', todo], { env });
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['- [x] one\n- [x] two\n']);
  });

  it('delete then re-create with other content: the final state is the new content', async () => {
    const task = join(tasksDir(root), 'TASK-2-b.md');
    await writeFile(task, 'old');
    await start();
    files.length = 0;
    await unlink(task);
    // The deletion is reported before the file comes back (an event, not a 300 ms guess).
    await waitFor(() => files.some((f) => f.text === null), 'the deletion reported');
    await writeFile(task, 'new');
    await quiet();
    expect(files.map((f) => f.text)).toEqual([null, 'new']);
    expect(files.at(-1)?.cause).toBe('event');
    // Deleted and at once re-created (a tool that replaces files): one state, the new one.
    files.length = 0;
    await unlink(task);
    await writeFile(task, 'newer');
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['newer']);
  });

  it('a burst of 100 writes in a second settles on the last content, once, and then stays quiet', async () => {
    const todo = join(root, 'TODO.md');
    await writeFile(todo, 'start\n');
    await start();
    files.length = 0;
    for (let i = 0; i < 100; i++) {
      if (i % 2 === 0) await writeAtomic(todo, `- [ ] write ${i}\n`);
      else await writeFile(todo, `- [ ] write ${i}\n`);
      await sleep(8);
    }
    await quiet();
    expect(files.at(-1)?.text).toBe('- [ ] write 99\n');
    expect(files.length).toBeLessThanOrEqual(100);
    // Every report is a distinct, complete content: no empty or torn states, no repeats in a row.
    for (const [i, f] of files.entries()) {
      expect(f.text).toMatch(/^- \[ \] write \d+\n$/);
      if (i > 0) expect(f.hash).not.toBe(files[i - 1]?.hash);
    }
    expect(files.filter((f) => f.text === '- [ ] write 99\n')).toHaveLength(1);
  });

  it('a writer held between its truncate and its write (a loaded machine) is not reported as an emptied file; a file really emptied is', async () => {
    const todo = join(root, 'TODO.md');
    await writeFile(todo, '- [ ] a\n');
    await start();
    files.length = 0;
    // Held 300 ms after the truncate: far past the 50 ms settle grace for an empty read.
    await writeFile(todo, '');
    await sleep(300);
    await writeFile(todo, '- [x] a\n');
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['- [x] a\n']);
    // Emptied and left so: reported (once the grace has shown it stays empty).
    await writeFile(todo, '');
    await waitFor(() => files.at(-1)?.text === '', 'the emptied file');
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['- [x] a\n', '']);
  });

  it('a writer that truncates again during the grace (a burst of non-atomic saves) is not reported as an emptied file', async () => {
    const todo = join(root, 'TODO.md');
    await writeFile(todo, '- [ ] a\n');
    await start();
    files.length = 0;
    // Truncated, truncated again inside the 500 ms grace, and written only after it: the re-read
    // at the end of the grace sees an empty file, but one that changed meanwhile.
    await writeFile(todo, '');
    await sleep(150);
    await writeFile(todo, '');
    await sleep(600);
    await writeFile(todo, '- [x] a\n');
    await quiet();
    expect(files.map((f) => f.text)).toEqual(['- [x] a\n']);
  });

  it('ignores files that are not TODO.md, TASK-*.md or *.jsonl', async () => {
    await start();
    files.length = 0;
    await writeFile(join(root, 'README.md'), 'x');
    await writeFile(join(tasksDir(root), 'draft.md'), 'x');
    await writeFile(join(events, 'notes.txt'), 'x');
    await mkdir(join(root, 'src'), { recursive: true });
    await writeFile(join(root, 'src', 'TODO.md'), 'x');
    await writeAtomic(join(root, 'TODO.md'), 'real\n');
    await quiet();
    expect(files.map((f) => f.relPath)).toEqual(['TODO.md']);
    expect(hooks).toEqual([]);
  });

  it('picks up a tasks dir created after the session was added', async () => {
    await rm(join(root, '.claude-hub'), { recursive: true });
    await start();
    await mkdir(tasksDir(root), { recursive: true });
    await writeFile(join(tasksDir(root), 'TASK-7-late.md'), 'late');
    await waitFor(() => files.find((f) => f.relPath.endsWith('TASK-7-late.md')), 'the late task');
    await quiet();
    expect(files.filter((f) => f.text === 'late')).toHaveLength(1);
  });

  it('announces hook files as they are appended', async () => {
    await start();
    await appendFile(join(events, 'Agent_1.jsonl'), '{"hook_event_name":"Stop"}\n');
    const change = await waitFor(() => hooks.find((h) => h.agent === 'Agent_1'), 'hook file event');
    expect(change).toMatchObject({ session: 's1', path: join(events, 'Agent_1.jsonl'), removed: false });
  });

  it('marks content the hub announced as its own, with its routed flag, and only that content', async () => {
    const path = join(tasksDir(root), 'TASK-3-c.md');
    await start();
    watcher.expectOwnWrite(path, createHash('sha256').update('hub wrote').digest('hex'), { routed: true });
    await writeAtomic(path, 'hub wrote');
    await waitFor(() => files.find((f) => f.text === 'hub wrote'), 'own write');
    await writeAtomic(path, 'person wrote');
    await waitFor(() => files.find((f) => f.text === 'person wrote'), 'person write');
    expect(files.find((f) => f.text === 'hub wrote')?.own).toEqual({ routed: true });
    expect(files.find((f) => f.text === 'person wrote')?.own).toBeNull();
  });

  it('the rescan repairs an event the OS never delivered', async () => {
    const todo = join(root, 'TODO.md');
    await writeFile(todo, 'before\n');
    let drop = false;
    const dropped: string[] = [];
    const lossy: FsWatcherFactory = (paths, options) => {
      const real = chokidarFactory(paths, options);
      return { ...real, onAll: (listener) => real.onAll((event, path) => (drop ? void dropped.push(path) : listener(event, path))) };
    };
    await start(lossy);
    files.length = 0;
    drop = true;
    await writeAtomic(todo, 'after\n');
    // The OS did report the save (and it was dropped): only then is "nothing reported" meaningful.
    await waitFor(() => dropped.includes(todo), 'the save seen and dropped');
    await watcher.whenIdle();
    expect(files).toEqual([]);
    await watcher.rescan();
    await watcher.whenIdle();
    expect(files.map((f) => [f.text, f.cause])).toEqual([['after\n', 'rescan']]);
    // A second rescan with nothing changed reports nothing.
    await watcher.rescan();
    await watcher.whenIdle();
    expect(files).toHaveLength(1);
  });

  it('reflect() reads a file now and resolves once it is reported', async () => {
    const path = join(tasksDir(root), 'TASK-4-d.md');
    let drop = false;
    const lossy: FsWatcherFactory = (paths, options) => {
      const real = chokidarFactory(paths, options);
      return { ...real, onAll: (listener) => real.onAll((event, p) => (drop ? undefined : listener(event, p))) };
    };
    await start(lossy);
    drop = true;
    await writeFile(path, 'now');
    await watcher.reflect(path);
    expect(files.map((f) => [f.text, f.cause])).toEqual([['now', 'reflect']]);
    await expect(watcher.reflect(join(root, 'README.md'))).rejects.toMatchObject({ code: 'INVALID_PATH' });
  });

  it('reports an oversized file as an error event, not a throw, and adds nothing', async () => {
    watcher = new HubWatcher({ rescanIntervalMs: 0, maxFileBytes: 100 });
    const errors: unknown[] = [];
    files = [];
    hooks = [];
    watcher.on('file', (c) => files.push(c));
    watcher.on('error', (e) => errors.push(e.error.code));
    await writeFile(join(root, 'TODO.md'), 'x'.repeat(500));
    await watcher.add({ id: 's1', root, eventsDir: null });
    expect(files).toEqual([]);
    expect(errors).toEqual(['TOO_LARGE']);
    expect(await readFile(join(root, 'TODO.md'), 'utf8')).toHaveLength(500);
  });

  it('refuses a session id twice and bad options with exact codes', async () => {
    await start();
    await expect(watcher.add({ id: 's1', root, eventsDir: null })).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });
    expect(() => normaliseWatcherOptions({ rescanIntervalMs: -1 })).toThrow(HubError);
    expect(Object.isFrozen(normaliseWatcherOptions())).toBe(true);
  });

  it('watches 200 sessions and reports a change in each one to the right session', async () => {
    watcher = new HubWatcher({ rescanIntervalMs: 0 });
    files = [];
    hooks = [];
    watcher.on('file', (c) => files.push(c));
    const roots: string[] = [];
    try {
      for (let i = 0; i < 200; i++) {
        const r = await tempRoot('hub-w-many-');
        roots.push(r);
        await watcher.add({ id: `s${i}`, root: r, eventsDir: null });
      }
      await Promise.all(roots.map((r, i) => writeAtomic(join(r, 'TODO.md'), `- [ ] session ${i}\n`)));
      await waitFor(() => files.length >= 200, '200 reports', 30_000);
      await watcher.whenIdle();
      const bySession = new Map(files.map((f) => [f.session, f.text]));
      expect(bySession.size).toBe(200);
      for (let i = 0; i < 200; i++) expect(bySession.get(`s${i}`)).toBe(`- [ ] session ${i}\n`);
    } finally {
      await watcher.close();
      await removeAll(...roots);
    }
  });
});
