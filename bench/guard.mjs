// Cost of the PreToolUse guard per tool call, and of the candidates it was chosen from.
// Hooks run synchronously inside the agent's turn, so process start-up is paid on every call.
// Prints wall-clock figures (p50/p95 over N runs). Every guard case also checks the decision it
// is labelled with (deny: a PreToolUse "deny" JSON on stdout or exit 2; allow / no opinion:
// exit 0 without a deny), counts mismatches, and exits 1 if there is any.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printMachine } from './machine.mjs';

const N = Number(process.env.N ?? 60);
const guard = fileURLToPath(new URL('../templates/hooks/guard.pl', import.meta.url));
const base = realpathSync(mkdtempSync(join(tmpdir(), 'hub-guard-bench-')));
const a = join(base, 'a');
const b = join(base, 'b');
mkdirSync(join(a, 'src', 'deep', 'er'), { recursive: true });
mkdirSync(b, { recursive: true });
writeFileSync(join(base, 'roots.txt'), [a, b, ...Array.from({ length: 8 }, (_, i) => join(base, `s${i}`))].join('\n') + '\n');
const call = (tool, input) =>
  JSON.stringify({ session_id: 'x', transcript_path: '/x', cwd: a, hook_event_name: 'PreToolUse', tool_name: tool, tool_input: input });
const env = { PATH: '/usr/bin:/bin', HOME: base };
const args = [guard, `--root=${a}`, `--roots-file=${join(base, 'roots.txt')}`];

/**
 * What the guard decided: 'deny' (a PreToolUse deny decision on stdout, or exit 2, which Claude
 * Code also treats as a block), 'allow' (exit 0, no decision or an explicit allow: the normal
 * permission flow goes on), or 'error: …' for anything else.
 */
function decisionOf(r) {
  if (r.status === 2) return 'deny';
  if (r.status !== 0) return `error: exit ${r.status} ${String(r.stderr).trim()}`;
  const out = String(r.stdout).trim();
  if (out === '') return 'allow';
  try {
    const decision = JSON.parse(out)?.hookSpecificOutput?.permissionDecision;
    if (decision === 'deny') return 'deny';
    if (decision === 'allow' || decision === undefined) return 'allow';
    return `error: decision ${JSON.stringify(decision)}`;
  } catch {
    return `error: stdout is not JSON: ${out.slice(0, 80)}`;
  }
}

let mismatches = 0;
let checked = 0;

/** Times `cmd argv` N times; with `expected` ('allow' | 'deny'), checks the decision of every run. */
function measure(label, cmd, argv, input, expected) {
  const times = [];
  let wrong = 0;
  let seen = '';
  for (let i = 0; i < N; i++) {
    const t = process.hrtime.bigint();
    const r = spawnSync(cmd, argv, { input, env });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (expected === undefined) {
      if (r.status !== 0) throw new Error(`${label}: exit ${r.status} ${r.stderr}`);
      continue;
    }
    checked += 1;
    const decision = decisionOf(r);
    if (decision !== expected) {
      wrong += 1;
      seen = decision;
    }
  }
  mismatches += wrong;
  times.sort((x, y) => x - y);
  const p = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
  const verdict = expected === undefined ? '' : wrong === 0 ? `   ${expected} ${N}/${N}` : `   WRONG ${wrong}/${N}: expected ${expected}, got ${seen}`;
  console.log(`${label.padEnd(52)} p50 ${p(0.5).padStart(6)} ms   p95 ${p(0.95).padStart(6)} ms${verdict}`);
}

printMachine('guard');
console.log(`guard cost per tool call (${N} runs each, this machine)`);
const read = call('Read', { file_path: join(a, 'src', 'deep', 'er', 'file.ts') });
measure('guard.pl: Read inside own root (allow)', 'perl', args, read, 'allow');
measure('guard.pl: Edit in another session (deny)', 'perl', args, call('Edit', { file_path: join(b, 'x.ts'), old_string: 'a', new_string: 'b' }), 'deny');
measure('guard.pl: Glob, no path (cwd: allow)', 'perl', args, call('Glob', { pattern: 'src/**/*.ts' }), 'allow');
measure(
  'guard.pl: Bash command in own root (no opinion)',
  'perl',
  args,
  call('Bash', { command: `cd ${a} && npm test -- --reporter=dot 2>&1 | tail -20` }),
  'allow',
);
measure('guard.pl: Bash command naming another session (deny)', 'perl', args, call('Bash', { command: `cat ${join(b, 'x.ts')}` }), 'deny');
// biome-ignore lint/suspicious/noTemplateCurlyInString: the payload is TypeScript source with a template literal in it
const code = 'export function f(a: string): string {\n  return `"${a}"` + "\\n";\n}\n';
measure(
  'guard.pl: Write of 200 KB of code (allow)',
  'perl',
  args,
  call('Write', { file_path: join(a, 'code.ts'), content: code.repeat(Math.ceil(200_000 / code.length)) }),
  'allow',
);
measure(
  'guard.pl: Write of 1.4 MB, 300k escaped quotes (allow)',
  'perl',
  args,
  call('Write', { file_path: join(a, 'big.txt'), content: 'line "q"\\\n'.repeat(100_000) }),
  'allow',
);
measure(
  'guard.pl: Write of 1.4 MB into another session (deny)',
  'perl',
  args,
  call('Write', { file_path: join(b, 'big.txt'), content: 'line "q"\\\n'.repeat(100_000) }),
  'deny',
);
console.log('candidates (start-up and parsing only)');
measure('perl -e 0', 'perl', ['-e', '0'], read);
measure('perl -MJSON::PP (decode only)', 'perl', ['-MJSON::PP', '-e', 'local $/; JSON::PP::decode_json(<STDIN>)'], read);
measure('perl -MCwd=realpath', 'perl', ['-MCwd=realpath', '-e', 'realpath("/tmp")'], read);
measure('sh + sed (extract file_path only, no JSON decoding)', '/bin/sh', ['-c', `sed -n 's/.*"file_path":"\\([^"]*\\)".*/\\1/p' >/dev/null`], read);
measure('node -e 0', process.execPath, ['-e', '0'], read);
rmSync(base, { recursive: true, force: true });
console.log(`guard decisions: ${checked - mismatches}/${checked} as labelled, ${mismatches} mismatches`);
if (mismatches > 0) process.exitCode = 1;
