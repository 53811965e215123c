/**
 * What the hub learns from the installed claude: parsing the real `--help` of both pinned
 * releases (fixtures/claude-help/, captured from them), probing a real binary of each, and
 * probing claude-like programs that are not Claude Code or hang — each a clear error, quickly.
 * Also: the pins in package.json and the tested range in src/agent/compat.ts agree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  forgetProbes,
  hookEventsFor,
  KNOWN_HOOK_EVENTS,
  missingOptions,
  parseOptions,
  parsePermissionModes,
  parseVersion,
  permissionModeFor,
  probeClaude,
} from '../../src/agent/claude-probe.js';
import { compareVersions, compatibilityOf, TESTED_RELEASES } from '../../src/agent/compat.js';
import { exec } from '../../src/exec.js';

const REPO = join(__dirname, '..', '..');
const help = (release: string): string => readFileSync(join(REPO, 'fixtures', 'claude-help', `${release}.txt`), 'utf8');
const BINARIES = {
  [TESTED_RELEASES.oldest]: join(REPO, 'node_modules', '@anthropic-ai', 'claude-code', 'bin', 'claude.exe'),
  [TESTED_RELEASES.current]: join(REPO, 'node_modules', 'claude-code-current', 'bin', 'claude.exe'),
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hub-probe-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function script(name: string, body: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

describe('the tested range', () => {
  it('package.json pins exactly the releases src/agent/compat.ts names', async () => {
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies['@anthropic-ai/claude-code']).toBe(TESTED_RELEASES.oldest);
    expect(pkg.devDependencies['claude-code-current']).toBe(`npm:@anthropic-ai/claude-code@${TESTED_RELEASES.current}`);
  });

  it('classifies a version against it', () => {
    expect(compareVersions('2.1.10', '2.1.9')).toBe(1);
    expect(compareVersions('2.1', '2.1.0')).toBe(0);
    expect(compatibilityOf(TESTED_RELEASES.oldest).status).toBe('tested');
    expect(compatibilityOf('2.1.200').status).toBe('between');
    expect(compatibilityOf('2.2.0').status).toBe('newer');
    expect(compatibilityOf('1.0.0').status).toBe('older');
  });
});

describe.each([TESTED_RELEASES.oldest, TESTED_RELEASES.current])('the real --help of %s', (release) => {
  it('lists every option the hub passes, and its permission modes', () => {
    const options = parseOptions(help(release));
    expect(missingOptions({ options })).toEqual([]);
    const modes = parsePermissionModes(help(release));
    expect(modes).toContain('acceptEdits');
    expect(modes).toContain(release === TESTED_RELEASES.oldest ? 'default' : 'manual');
    // Whatever the release calls it, a person's `manual` or `default` is passed under that name.
    const caps = { permissionModes: modes, version: release };
    expect(permissionModeFor('manual', caps)).toBe(release === TESTED_RELEASES.oldest ? 'default' : 'manual');
    expect(permissionModeFor('default', caps)).toBe(release === TESTED_RELEASES.oldest ? 'default' : 'manual');
  });
});

describe('probing a real binary', () => {
  it.each(Object.entries(BINARIES))('%s: its version, options, modes and hook events', async (release, bin) => {
    forgetProbes();
    const cacheFile = join(dir, `cache-${release}.json`);
    const caps = await probeClaude(bin, { exec, env: { PATH: '/usr/bin:/bin', HOME: dir }, cacheFile });
    expect(caps.version).toBe(release);
    expect(missingOptions(caps)).toEqual([]);
    expect(caps.hookEvents).toEqual([...KNOWN_HOOK_EVENTS]);
    // Cached on disk per binary: a new hub start (empty memory) reads it back without running claude.
    forgetProbes();
    const again = await probeClaude(bin, { exec: () => Promise.reject(new Error('must not run')), env: { PATH: '/usr/bin:/bin', HOME: dir }, cacheFile });
    expect(again).toEqual(caps);
  });
});

describe('probing what is not Claude Code', () => {
  it('a program whose --version says something else is refused, naming the flag to fix', async () => {
    forgetProbes();
    const fake = await script('not-claude', 'echo "v9.9.9 (some other tool)"');
    await expect(probeClaude(fake, { exec, env: { PATH: '/usr/bin:/bin' } })).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringMatching(/is not Claude Code.*--claude-command/),
    });
  });

  it('a claude whose --help hangs is stopped after the time limit with a TIMEOUT that says so', async () => {
    forgetProbes();
    const hangs = await script('hangs', 'case "$1" in --version) echo "2.1.400 (Claude Code)";; *) exec sleep 30;; esac');
    await expect(probeClaude(hangs, { exec, env: { PATH: '/usr/bin:/bin' }, timeoutMs: 500 })).rejects.toMatchObject({
      code: 'TIMEOUT',
      message: expect.stringContaining('--help did not answer'),
    });
  });

  it('a command that is not there says how to install Claude Code', async () => {
    forgetProbes();
    await expect(probeClaude('claude', { exec, env: { PATH: dir } })).rejects.toMatchObject({
      code: 'CONFIG_ERROR',
      message: expect.stringContaining('npm install -g @anthropic-ai/claude-code'),
    });
  });

  it('a script claude (no binary to read hook events from) gets the events every supported release knows', async () => {
    forgetProbes();
    const text = help(TESTED_RELEASES.current).replace(/'/g, "'\\''");
    const shim = await script('shim', `case "$1" in --version) echo "2.1.400 (Claude Code)";; *) printf '%s' '${text}';; esac`);
    const caps = await probeClaude(shim, { exec, env: { PATH: '/usr/bin:/bin' } });
    expect(caps.hookEvents).toBeNull();
    expect(hookEventsFor(caps, KNOWN_HOOK_EVENTS)).toEqual([...KNOWN_HOOK_EVENTS]);
    expect(hookEventsFor({ hookEvents: null, version: '2.0.0' }, KNOWN_HOOK_EVENTS)).toEqual(KNOWN_HOOK_EVENTS.slice(0, 9));
    expect(parseVersion('2.1.332 (Claude Code)')).toBe('2.1.332');
  });
});
