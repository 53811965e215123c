import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '../../src/exec.js';
import {
  BWRAP_PROBE_ARGS,
  buildDenyRules,
  buildGuardHook,
  buildSandboxSettings,
  formatRootsFile,
  GUARDED_TOOLS,
  sandboxSupport,
  writeRootsFile,
} from '../../src/security/guard.js';
import { HubError } from '../../src/errors.js';
import { createSymlinkEscapes, loadHostileCorpus } from './corpus.js';
import { GUARD, parseAnswer, preToolUse, runGuard } from './guard-helpers.js';

describe('PreToolUse guard (the real perl script, realistic hook stdin)', () => {
  let base: string;
  let a: string; // this agent's root
  let b: string; // another session's root
  let c: string; // a session created later
  let state: string;
  let rootsFile: string;
  let args: string[];

  beforeAll(async () => {
    base = await realpath(await mkdtemp(join(tmpdir(), 'hub-guard-')));
    a = join(base, 'session a');
    b = join(base, 'session-b');
    c = join(base, 'session-c');
    state = join(base, 'state dir');
    rootsFile = join(state, 'roots.txt');
    await mkdir(join(a, 'src'), { recursive: true });
    await mkdir(b, { recursive: true });
    await mkdir(c, { recursive: true });
    await writeFile(join(a, 'src', 'own.ts'), 'own\n');
    await writeFile(join(b, 'secret.txt'), 'b secret\n');
    await writeFile(join(c, 'later.txt'), 'c\n');
    await symlink(b, join(a, 'to-b'));
    await symlink('../..', join(a, 'src', 'up2'));
    await writeRootsFile(rootsFile, [a, b]);
    args = [`--root=${a}`, `--roots-file=${rootsFile}`, `--state-dir=${state}`];
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  const call = (tool: string, input: Record<string, unknown>, extra: string[] = [], cwd = a) => runGuard(preToolUse(tool, input, cwd), [...args, ...extra]);

  it('has no opinion on a Read of its own root (exit 0, no output: normal permissions apply)', async () => {
    const answer = await call('Read', { file_path: join(a, 'src', 'own.ts') });
    expect(answer).toMatchObject({ exitCode: 0, denied: null, stdout: '' });
  });

  it("denies a Read and an Edit of another session's root, naming it", async () => {
    const read = await call('Read', { file_path: join(b, 'secret.txt') });
    expect(read.exitCode).toBe(0);
    expect(read.denied).toContain(`inside another claude-hub session's root (${b})`);
    expect(read.denied).toContain(`may only use files under ${a}`);
    const edit = await call('Edit', { file_path: join(b, 'secret.txt'), old_string: 'b', new_string: 'x' });
    expect(edit.denied).toContain(b);
    expect(await readFile(join(b, 'secret.txt'), 'utf8')).toBe('b secret\n');
  });

  it('denies .. escapes, symlink escapes and a symlink followed by ..', async () => {
    for (const path of [`${a}/src/../../session-b/secret.txt`, `${a}/to-b/secret.txt`, `${a}/src/up2/session-b/secret.txt`, `${a}/to-b/../session-b/x`]) {
      const answer = await call('Read', { file_path: path });
      expect([path, answer.denied]).toEqual([path, expect.stringContaining('really')]);
    }
    const outside = await call('Write', { file_path: `${a}/../elsewhere.txt`, content: 'x' });
    expect(outside.denied).toContain("outside this session's root");
  });

  it('allows a Write of a new file in new folders inside the root, and denies one through a symlink out', async () => {
    expect((await call('Write', { file_path: join(a, 'new', 'deeper', 'file.ts'), content: 'x' })).denied).toBeNull();
    expect((await call('Write', { file_path: join(a, 'to-b', 'new', 'file.ts'), content: 'x' })).denied).toContain(b);
  });

  it('handles paths with spaces, quotes, backslashes and Unicode, and answers in valid ASCII JSON', async () => {
    const odd = join(a, `it's "quoted" \\ é 🚀`, 'f.txt');
    expect((await call('Write', { file_path: odd, content: 'x' })).denied).toBeNull();
    const outside = join(base, `out "x" é 🚀`, 'f.txt');
    const answer = await call('Write', { file_path: outside, content: 'x' });
    expect(answer.denied).toContain(outside);
    expect(answer.stdout).toMatch(/^[\x20-\x7e]+\n$/);
  });

  it('decodes JSON exactly like JSON.parse: escapes, \\u sequences, duplicate keys (last wins)', async () => {
    const escaped = `{"tool_name":"R\\u0065ad","cwd":${JSON.stringify(a)},"tool_input":{"file_path":${JSON.stringify(b).replace(/\//g, '\\/')}}}`;
    expect((await runGuard(escaped, args)).denied).toContain(b);
    const duplicate = `{"tool_name":"Read","cwd":${JSON.stringify(a)},"tool_input":{"file_path":${JSON.stringify(join(a, 'x'))},"file_path":${JSON.stringify(join(b, 'x'))}}}`;
    expect((JSON.parse(duplicate) as { tool_input: { file_path: string } }).tool_input.file_path).toBe(join(b, 'x'));
    expect((await runGuard(duplicate, args)).denied).toContain(b);
    // A skipped value (content) full of escaped quotes and backslashes, even a fake file_path
    // inside it, must not confuse where the real keys are.
    const content = `x\\" \\\\" ","file_path":"${join(a, 'decoy')}" \\`;
    const tricky = JSON.stringify({ tool_name: 'Write', cwd: a, tool_input: { content, file_path: join(b, 'planted.txt') } });
    expect((await runGuard(tricky, args)).denied).toContain(b);
    const decoyLast = JSON.stringify({ tool_name: 'Write', cwd: a, tool_input: { file_path: join(b, 'planted.txt'), content } });
    expect((await runGuard(decoyLast, args)).denied).toContain(b);
    const pretty = JSON.stringify({ tool_name: 'Read', cwd: a, tool_input: { file_path: join(b, 'secret.txt') } }, null, 2);
    expect((await runGuard(pretty, args)).denied).toContain(b);
    const unicode = JSON.stringify({ tool_name: 'Read', cwd: a, tool_input: { file_path: join(a, 'é🚀.txt') } }).replace('é', '\\u00e9');
    expect((await runGuard(unicode, args)).denied).toBeNull();
  });

  it('checks NotebookEdit, Glob, Grep and LS paths, defaulting to the cwd', async () => {
    expect((await call('NotebookEdit', { notebook_path: join(b, 'n.ipynb'), new_source: 'x' })).denied).toContain(b);
    expect((await call('Glob', { pattern: 'src/**/*.ts' })).denied).toBeNull();
    expect((await call('Glob', { pattern: `${b}/**` })).denied).toContain(b);
    expect((await call('Glob', { pattern: '../session-b/*' })).denied).toContain(b);
    expect((await call('Glob', { pattern: '**/../../*' })).denied).toContain("climbs with '..'");
    expect((await call('Glob', { pattern: 'src/{..,x}/*' })).denied).toContain("climbs with '..'");
    expect((await call('Glob', { pattern: `{${b},src}/*` })).denied).toContain('brace alternative');
    expect((await call('Glob', { pattern: '/*' })).denied).toContain("outside this session's root");
    expect((await call('Glob', { pattern: '~/*' })).denied).toContain("outside this session's root");
    expect((await call('Glob', { pattern: '{src,lib}/**/*.{ts,js}' })).denied).toBeNull();
    expect((await call('Grep', { pattern: 'secret', path: b })).denied).toContain(b);
    expect((await call('Grep', { pattern: 'secret' })).denied).toBeNull();
    expect((await call('Grep', { pattern: 'secret' }, [], b)).denied).toContain(b);
    expect((await call('LS', { path: base })).denied).toContain("outside this session's root");
    expect((await call('Read', { file_path: 'src/own.ts' })).denied).toBeNull();
    expect((await call('Read', { file_path: '~/.ssh/id_rsa' })).denied).toContain("outside this session's root");
  });

  it("lets read tools (only) into this conversation's tool-results folder, where Claude Code saves large outputs", async () => {
    const transcript = join(base, 'home', '.claude', 'projects', 'p', 'conv-1.jsonl');
    const results = join(base, 'home', '.claude', 'projects', 'p', 'conv-1', 'tool-results');
    await mkdir(results, { recursive: true });
    const withTranscript = (tool: string, input: Record<string, unknown>) => {
      const event = JSON.parse(preToolUse(tool, input, a)) as Record<string, unknown>;
      return runGuard(JSON.stringify({ ...event, transcript_path: transcript }), args);
    };
    expect((await withTranscript('Read', { file_path: join(results, 'bash-1.txt') })).denied).toBeNull();
    expect((await withTranscript('Write', { file_path: join(results, 'bash-1.txt'), content: 'x' })).denied).toContain('outside');
    expect((await withTranscript('Read', { file_path: join(results, '..', '..', 'conv-2', 'tool-results', 'x.txt') })).denied).toContain('outside');
    expect((await withTranscript('Read', { file_path: `${results}/../../../../../../session-b/secret.txt` })).denied).toContain(b);
  });

  it('leaves other tools alone', async () => {
    expect((await call('mcp__hub__list_sessions', { path: b })).denied).toBeNull();
    expect((await call('WebFetch', { url: `file://${b}/secret.txt` })).denied).toBeNull();
  });

  it("denies a Bash command that names another session's root or the state dir, and leaves the rest to the normal flow", async () => {
    const bash = (command: string) => call('Bash', { command });
    expect((await bash(`cat ${b}/secret.txt`)).denied).toContain(`names another claude-hub session's root (${b})`);
    expect((await bash(`cd '${b}' && ls`)).denied).toContain(b);
    expect((await bash(`ls "${b}"`)).denied).toContain(b);
    expect((await bash(`cat ${join(state, 'key')}`)).denied).toContain('state directory');
    expect((await bash(`cat '${join(a, 'src', 'own.ts')}' && npm test`)).denied).toBeNull();
    expect((await bash('git status')).denied).toBeNull();
    // Another path that merely begins like a root is not that root.
    expect((await bash(`cat ${b}-backup/x ${b}2/y`)).denied).toBeNull();
    // Missing or odd input still fails closed.
    expect((await runGuard(preToolUse('Bash', {}, a), args)).denied).toContain('tool_input.command is missing');
  });

  it('tells a root from a longer root that begins with it (`/x/a` and `/x/a b`)', async () => {
    const short = join(base, 'pre');
    const long = join(base, 'pre fix');
    await mkdir(short, { recursive: true });
    await mkdir(long, { recursive: true });
    const roots = join(base, 'prefix-roots.txt');
    await writeRootsFile(roots, [short, long]);
    const asLong = (command: string) => runGuard(preToolUse('Bash', { command }, long), [`--root=${long}`, `--roots-file=${roots}`]);
    expect((await asLong(`cat '${long}/x'`)).denied).toBeNull();
    expect((await asLong(`cat '${short}/x'`)).denied).toContain(`(${short})`);
    const asShort = (command: string) => runGuard(preToolUse('Bash', { command }, short), [`--root=${short}`, `--roots-file=${roots}`]);
    expect((await asShort(`cat '${long}/x'`)).denied).toContain(`(${long})`);
  });

  it('checks Bash against the live roots file: a session created after launch is off limits at once', async () => {
    const probe = () => call('Bash', { command: `cat ${join(c, 'later.txt')}` });
    expect((await probe()).denied).toBeNull();
    await writeRootsFile(rootsFile, [a, b, c]);
    expect((await probe()).denied).toContain(`(${c})`);
    await writeRootsFile(rootsFile, [a, b]);
  });

  it('fails closed on malformed, empty, truncated or odd input, and without a root', async () => {
    for (const stdin of [
      '',
      'not json',
      '{"tool_name":"Read",',
      '[]',
      '"Read"',
      '{"tool_name":"Read"}',
      '{"tool_name":"Read","tool_input":{}}',
      '{"tool_name":["Read"],"tool_input":{}}',
      '{"tool_name":"Read","tool_input":{"file_path":42}}',
      '{"tool_name":"Read","tool_input":{"file_path":"/x"}} trailing',
    ]) {
      const answer = await runGuard(stdin, args);
      expect([stdin, answer.exitCode, typeof answer.denied]).toEqual([stdin, 0, 'string']);
    }
    const noRoot = await runGuard(preToolUse('Read', { file_path: join(a, 'src', 'own.ts') }, a), [`--roots-file=${rootsFile}`]);
    expect(noRoot.denied).toContain('no session root configured');
    const goneRoot = await runGuard(preToolUse('Read', { file_path: join(a, 'x') }, a), [`--root=${join(base, 'gone')}`]);
    expect(goneRoot.denied).toContain('does not exist');
    const fromEnv = await runGuard(preToolUse('Read', { file_path: join(a, 'src', 'own.ts') }, a), [], {
      CLAUDE_HUB_ROOT: a,
      CLAUDE_HUB_ROOTS_FILE: rootsFile,
    });
    expect(fromEnv.denied).toBeNull();
    const nul = await runGuard(JSON.stringify({ tool_name: 'Read', cwd: a, tool_input: { file_path: `${a}/x\u0000/../../session-b/secret.txt` } }), args);
    expect(nul.denied).toContain('NUL');
  });

  it('bounds its input: 20 MiB is refused quickly; a 2 MiB Write inside the root is fine', async () => {
    const huge = Buffer.alloc(20 * 1024 * 1024, 0x20);
    expect((await runGuard(huge, args)).denied).toContain('larger than');
    const big = preToolUse('Write', { file_path: join(a, 'big.txt'), content: 'line "with" escapes\\\n'.repeat(100_000) }, a);
    expect(big.length).toBeGreaterThan(2_000_000);
    expect((await runGuard(big, args)).denied).toBeNull();
  });

  it('never lets an agent touch the state dir, even with --reads-outside', async () => {
    const answer = await call('Read', { file_path: join(state, 'key') }, ['--reads-outside']);
    expect(answer.denied).toContain('state directory');
  });

  it('reads the live roots file on every call: a new session is enforced at once', async () => {
    const probe = () => call('Read', { file_path: join(c, 'later.txt') }, ['--reads-outside']);
    expect((await probe()).denied).toBeNull();
    await writeRootsFile(rootsFile, [a, b, c]);
    expect((await probe()).denied).toContain(`another claude-hub session's root (${c})`);
    await writeRootsFile(rootsFile, [a, b]);
    expect((await probe()).denied).toBeNull();
    // Without --reads-outside, everything outside the own root is denied regardless.
    expect((await call('Read', { file_path: join(c, 'later.txt') })).denied).toContain("outside this session's root");
    // An unreadable roots file fails closed for outside reads.
    expect(
      (
        await runGuard(preToolUse('Read', { file_path: join(c, 'later.txt') }, a), [
          `--root=${a}`,
          `--roots-file=${join(base, 'missing.txt')}`,
          '--reads-outside',
        ])
      ).denied,
    ).toContain('outside');
  });

  it('denies every hostile path of the corpus that leaves the root, and allows the ones inside', async () => {
    const corpus = loadHostileCorpus();
    const root = join(base, 'corpus-root');
    await mkdir(join(root, 'sub'), { recursive: true });
    await createSymlinkEscapes(root, join(base, 'outside'), corpus.symlinks);
    const guardArgs = [`--root=${root}`, `--roots-file=${rootsFile}`];
    for (const link of corpus.symlinks) {
      const answer = await runGuard(preToolUse('Read', { file_path: `${root}/${link.probe}` }, root), guardArgs);
      expect([link.name, typeof answer.denied]).toEqual([link.name, 'string']);
    }
    for (const path of corpus.paths) {
      const file = path.value.startsWith('/') || path.value.startsWith('~') ? path.value : `${root}/${path.value}`;
      const answer = await runGuard(preToolUse('Write', { file_path: file, content: 'x' }, root), guardArgs);
      const inside = ['dot', 'inside', 'inside-with-dotdot', 'spaces-quotes-unicode', 'newline-in-path'].includes(path.name);
      expect([path.name, answer.denied === null]).toEqual([path.name, inside]);
    }
  });
});

describe('guard settings', () => {
  it('builds a PreToolUse entry whose shell command survives spaces and quotes in every path', async () => {
    const base = await realpath(await mkdtemp(join(tmpdir(), "hub guard 'q' ")));
    try {
      const root = join(base, `root "one"`);
      const other = join(base, 'other $(x)');
      const state = join(base, "state dir's");
      await mkdir(root, { recursive: true });
      await mkdir(other, { recursive: true });
      await writeRootsFile(join(state, 'roots.txt'), [root, other]);
      const entry = buildGuardHook({ guardPath: GUARD, root, rootsFile: join(state, 'roots.txt'), stateDir: state });
      expect(entry.matcher).toBe(GUARDED_TOOLS.join('|'));
      expect(entry.hooks).toHaveLength(1);
      const hook = entry.hooks[0]!;
      expect(hook.type).toBe('command');
      // Claude Code runs `command` with a shell: do the same.
      const run = async (file: string) => {
        const r = await exec('/bin/sh', ['-c', hook.command], {
          input: JSON.stringify({ tool_name: 'Read', cwd: root, tool_input: { file_path: file } }),
          env: { PATH: '/usr/bin:/bin' },
        });
        return parseAnswer(r.exitCode, r.stdout, r.stderr);
      };
      expect((await run(join(root, 'f.txt'))).denied).toBeNull();
      expect((await run(join(other, 'f.txt'))).denied).toContain(other);
      expect((await run(join(state, 'roots.txt'))).denied).toContain('state directory');
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });

  it('fails closed when the guard cannot run: a missing script or perl exits 2 (blocking) with a reason', async () => {
    for (const options of [{ guardPath: '/nonexistent/guard.pl' }, { perl: '/nonexistent/perl' }]) {
      const hook = buildGuardHook({ root: '/tmp', rootsFile: '/tmp/roots.txt', ...options }).hooks[0]!;
      const r = await exec('/bin/sh', ['-c', hook.command], {
        input: '{"tool_name":"Read","tool_input":{"file_path":"/etc/passwd"}}',
        env: { PATH: '/usr/bin:/bin' },
        allowFailure: true,
      });
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('claude-hub: the file-access guard could not run');
    }
  });

  it('refuses relative paths in the hook', () => {
    expect(() => buildGuardHook({ root: 'rel', rootsFile: '/x' })).toThrow(HubError);
  });

  it('builds absolute Read/Edit deny rules for other roots', () => {
    expect(buildDenyRules(['/home/u/b', '/srv/c/'])).toEqual([
      'Read(//home/u/b)',
      'Read(//home/u/b/**)',
      'Edit(//home/u/b)',
      'Edit(//home/u/b/**)',
      'Read(//srv/c)',
      'Read(//srv/c/**)',
      'Edit(//srv/c)',
      'Edit(//srv/c/**)',
    ]);
    expect(buildDenyRules(['relative'])).toEqual([]);
  });

  it('builds sandbox settings that fence Bash to the own root', () => {
    expect(buildSandboxSettings({ root: '/p/a', otherRoots: ['/p/b'], stateDir: '/s' })).toEqual({
      enabled: true,
      failIfUnavailable: true,
      allowUnsandboxedCommands: false,
      autoAllowBashIfSandboxed: false,
      filesystem: { allowWrite: ['//p/a'], denyRead: ['//p/b', '//s'], denyWrite: ['//p/b', '//s'] },
    });
  });

  it('reports whether the Bash sandbox can run: Linux needs bwrap and socat on PATH', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-path-'));
    try {
      expect(await sandboxSupport('linux', { PATH: dir })).toMatchObject({ available: false, missing: ['bubblewrap', 'socat'] });
      for (const tool of ['bwrap', 'socat']) {
        await writeFile(join(dir, tool), '#!/bin/sh\n');
        await chmod(join(dir, tool), 0o755);
      }
      expect(await sandboxSupport('linux', { PATH: dir })).toMatchObject({ available: true, missing: [] });
      // With a runner, bubblewrap must also really build the sandbox (the real exec runs these stand-ins).
      await writeFile(join(dir, 'bwrap'), '#!/bin/sh\necho "bwrap: No permissions to creating new namespace" >&2\nexit 1\n');
      const broken = await sandboxSupport('linux', { PATH: dir }, exec);
      expect(broken.available).toBe(false);
      expect(broken.reason).toContain('bubblewrap is installed but cannot build a sandbox here (bwrap: No permissions to creating new namespace)');
      await writeFile(join(dir, 'bwrap'), `#!/bin/sh\n[ "$*" = '${BWRAP_PROBE_ARGS.join(' ')}' ] || exit 3\n`);
      expect(await sandboxSupport('linux', { PATH: dir }, exec)).toMatchObject({ available: true, missing: [] });
      expect((await sandboxSupport('darwin', {})).available).toBe(true);
      expect((await sandboxSupport('win32', {})).available).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a relative sandbox root', () => {
    expect(() => buildSandboxSettings({ root: 'p/a', otherRoots: [] })).toThrow(expect.objectContaining({ code: 'INVALID_PATH' }));
  });

  it.skipIf(process.platform !== 'linux')('probes the real bubblewrap of this machine', async () => {
    const support = await sandboxSupport('linux', process.env, exec);
    const installed = await exec('sh', ['-c', 'command -v bwrap && command -v socat'], { allowFailure: true });
    // Where both are installed (here, and in CI) the probe must pass; elsewhere it must say what to install.
    if (installed.exitCode === 0) expect(support).toEqual({ available: true, missing: [], reason: 'bubblewrap and socat found' });
    else expect(support.missing.length).toBeGreaterThan(0);
  });

  it('refuses roots a line-per-root file cannot hold', () => {
    expect(formatRootsFile(['/a', '/b c'])).toBe('/a\n/b c\n');
    expect(() => formatRootsFile(['/a\n/b'])).toThrow(HubError);
    expect(() => formatRootsFile(['rel'])).toThrow(HubError);
  });
});
