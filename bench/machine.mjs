/**
 * The machine a benchmark's figures were measured on, printed as the same header line by every
 * bench in bench/ (and by bench/run.mjs before each one), so a figure is never quoted without
 * it: Node version, core count (os.availableParallelism(), what Node may use), platform, CPU
 * model, and — for a bench that drives a real Claude Code — that binary's `--version`.
 *
 *   import { printMachine } from './machine.mjs';
 *   printMachine('guard');                                 // no claude
 *   printMachine('delivery', { claude: '/path/to/claude' }); // with Claude Code's version
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, platform, arch } from 'node:os';

/** `<claude> --version` without its " (Claude Code)" suffix (e.g. "2.1.197"), or why it could not be read. */
export function claudeVersion(claude) {
  try {
    const out = execFileSync(claude, ['--version'], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DISABLE_AUTOUPDATER: '1' },
    });
    return out.trim().replace(/\s*\(Claude Code\)$/, '');
  } catch (error) {
    return `unknown (${claude} --version failed: ${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

/** One line: "node v20.19.5 · 2 cores · linux x64 · <cpu model>[ · Claude Code <version> (<path>)]". */
export function machineLabel(options = {}) {
  const parts = [`node ${process.version}`, `${availableParallelism()} cores`, `${platform()} ${arch()}`];
  const model = cpus()[0]?.model?.trim();
  if (model) parts.push(model);
  if (options.claude) parts.push(`Claude Code ${claudeVersion(options.claude)} (${options.claude})`);
  return parts.join(' · ');
}

/** Prints the bench's header: its name and the machine label. */
export function printMachine(bench, options = {}) {
  console.log(`[${bench}] measured on: ${machineLabel(options)}`);
}
