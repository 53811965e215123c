/**
 * The harness of the crash tests: a child process runs real store code with plain `node` and
 * is killed with SIGKILL at chosen points.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Writes the given src/ modules, and every src/ module they import, transpiled to ESM under
 * `into` (no bundling: the same code the hub runs), with a package.json and node_modules so
 * the child can import them.
 */
export async function transpileForChild(entries: readonly string[], into: string): Promise<void> {
  const pending = [...entries];
  const done = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const source = await readFile(join(projectRoot, file), 'utf8');
    for (const { fileName } of ts.preProcessFile(source).importedFiles) {
      if (fileName.startsWith('.')) pending.push(join(dirname(file), fileName).replace(/\.js$/, '.ts'));
    }
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    }).outputText;
    const out = join(into, file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, output);
  }
  await writeFile(join(into, 'package.json'), '{"type":"module"}\n');
  await symlink(join(projectRoot, 'node_modules'), join(into, 'node_modules'));
}

/** What a child said before it ended: its last `ack <n>`, its `open <…>` line, and `done`. */
export interface ChildRun {
  lastAck: number;
  openLine: string;
  done: boolean;
}

/**
 * Runs `node script ...args`; kills it with SIGKILL `delayMs` after its `killAfter`-th ack of
 * this run, or, with `killAfter` 0, `delayMs` after it starts (possibly while it opens and
 * recovers). Rejects when the child fails on its own.
 */
export function runKilledChild(script: string, args: readonly string[], killAfter: number, delayMs: number): Promise<ChildRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    const run: ChildRun = { lastAck: -1, openLine: '', done: false };
    let acks = 0;
    let buffer = '';
    let stderr = '';
    let killScheduled = false;
    const scheduleKill = (): void => {
      killScheduled = true;
      setTimeout(() => child.kill('SIGKILL'), delayMs);
    };
    if (killAfter === 0) scheduleKill();
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith('ack ')) {
          run.lastAck = Number(line.slice(4));
          acks += 1;
          if (acks >= killAfter && !killScheduled) scheduleKill();
        } else if (line.startsWith('open ')) run.openLine = line.slice(5);
        else if (line === 'done') run.done = true;
      }
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolvePromise(run);
    });
  });
}
