/** Temp dirs and file-writing helpers shared by the live-hub tests. */
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export async function tempRoot(prefix = 'hub-w-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeAll(...dirs: string[]): Promise<void> {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}

/** How editors that save safely do it: write a temp file next to it, then rename over. */
export async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${Math.random().toString(36).slice(2)}.tmp`);
  await writeFile(temp, text);
  await rename(temp, path);
}

/** Polls `check` until it returns a value other than undefined/false; fails after `ms`. */
export async function waitFor<T>(check: () => T | undefined | false | Promise<T | undefined | false>, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function taskText(
  fields: { id: string; title: string; status?: string; assignee?: string; from?: string; priority?: string },
  body = '',
  log: string[] = [],
): string {
  const lines = ['---', `id: ${fields.id}`, `title: ${fields.title}`, `status: ${fields.status ?? 'todo'}`];
  if (fields.assignee) lines.push(`assignee: ${fields.assignee}`);
  if (fields.from) lines.push(`from: ${fields.from}`);
  lines.push(`priority: ${fields.priority ?? 'medium'}`, '---', '', body);
  if (log.length > 0) lines.push('', '## Log', '', ...log.map((l) => `- ${l}`));
  return lines.join('\n') + '\n';
}

export function tasksDir(root: string): string {
  return join(root, '.claude-hub', 'tasks');
}
