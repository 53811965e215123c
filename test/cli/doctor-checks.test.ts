import { describe, expect, it } from 'vitest';
import { checkNode, checkSandbox, doctorFailed, formatChecks, runChecks, type Probes } from '../../src/commands/doctor-checks.js';

function probes(over: Partial<Probes> & { tools?: Record<string, string | null> } = {}): Probes {
  const tools = over.tools ?? { tmux: 'tmux 3.3a', claude: '2.1.197 (Claude Code)', git: 'git version 2.39.5', osascript: 'ok' };
  return {
    platform: 'linux',
    nodeVersion: '20.19.1',
    home: '/home/ada',
    run: async (command) => tools[command.split('/').pop()!] ?? null,
    pathExists: async () => true,
    stateDir: async () => ({ mode: 0o40700, directory: true, writable: true }),
    nearestParent: async () => ({ path: '/home/ada', directory: true, writable: true }),
    ...over,
  };
}
const OPTIONS = { claudeCommand: 'claude', stateDir: '/home/ada/.local/state/claude-hub', backend: 'auto' as const };

describe('doctor checks', () => {
  it('claude: a tested release is ok; newer or older warns with what to do; not Claude Code, or one without the options the hub passes, is missing', async () => {
    const claudeCheck = async (version: string | null, help: string | null = null) => {
      const checks = await runChecks(probes({ tools: { tmux: 'tmux 3.3a', claude: version, git: 'git version 2.39.5' }, output: async () => help }), OPTIONS);
      return checks.find((c) => c.name === 'claude')!;
    };
    expect(await claudeCheck('2.1.332 (Claude Code)')).toMatchObject({ status: 'ok', version: '2.1.332', detail: expect.stringContaining('tested release') });
    expect(await claudeCheck('2.1.250 (Claude Code)')).toMatchObject({ status: 'ok', detail: expect.stringContaining('within the tested range') });
    const newer = await claudeCheck('2.2.5 (Claude Code)');
    expect(newer).toMatchObject({ status: 'warn', version: '2.2.5', detail: expect.stringContaining('newer than the newest tested release (2.1.332)') });
    expect(doctorFailed([newer])).toBe(false);
    expect(await claudeCheck('2.0.1 (Claude Code)')).toMatchObject({ status: 'warn', fix: 'npm install -g @anthropic-ai/claude-code@latest' });
    expect(await claudeCheck('v1.0.0 some-other-tool')).toMatchObject({ status: 'missing', detail: expect.stringContaining('is not Claude Code') });
    expect(await claudeCheck('2.1.332 (Claude Code)', 'Usage: claude [options]\n  --session-id <uuid>\n  -r, --resume')).toMatchObject({
      status: 'missing',
      detail: expect.stringContaining('--append-system-prompt-file'),
    });
  });

  it('all good on Linux: iTerm2 skipped, versions reported', async () => {
    const checks = await runChecks(probes(), OPTIONS);
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['node', 'ok'],
      ['tmux', 'ok'],
      ['iterm2', 'skip'],
      ['claude', 'ok'],
      ['git', 'ok'],
      ['state-dir', 'ok'],
    ]);
    expect(checks.find((c) => c.name === 'claude')?.version).toBe('2.1.197');
    expect(checks.find((c) => c.name === 'tmux')?.version).toBe('3.3a');
    expect(doctorFailed(checks)).toBe(false);
  });

  it('missing tmux, claude and git on Linux fail with exact fixes', async () => {
    const checks = await runChecks(probes({ tools: {} }), OPTIONS);
    expect(doctorFailed(checks)).toBe(true);
    expect(checks.find((c) => c.name === 'tmux')).toMatchObject({ status: 'missing', fix: expect.stringContaining('apt-get install tmux') });
    expect(checks.find((c) => c.name === 'claude')).toMatchObject({ status: 'missing', fix: expect.stringContaining('--claude-command') });
    expect(checks.find((c) => c.name === 'git')).toMatchObject({ status: 'missing', fix: expect.stringContaining('git') });
    expect(formatChecks(checks)).toContain('fix: sudo apt-get install tmux');
  });

  it('on macOS tmux is optional with iTerm2, and a missing iTerm2 says how to get it', async () => {
    const mac = await runChecks(probes({ platform: 'darwin', tools: { claude: '2.1.197 (Claude Code)', git: 'git version 2.4', osascript: 'ok' } }), OPTIONS);
    expect(mac.find((c) => c.name === 'tmux')).toMatchObject({ status: 'warn', required: false, fix: 'brew install tmux' });
    expect(mac.find((c) => c.name === 'iterm2')).toMatchObject({ status: 'ok', detail: expect.stringContaining('Automation') });
    expect(doctorFailed(mac)).toBe(false);
    const noIterm = await runChecks(probes({ platform: 'darwin', pathExists: async () => false }), { ...OPTIONS, backend: 'iterm2' });
    expect(noIterm.find((c) => c.name === 'iterm2')).toMatchObject({ status: 'missing', fix: expect.stringContaining('brew install --cask iterm2') });
    expect(doctorFailed(noIterm)).toBe(true);
  });

  it('state dir: group-readable warns with chmod 700, unwritable fails, absent but creatable is fine', async () => {
    const open = await runChecks(probes({ stateDir: async () => ({ mode: 0o40755, directory: true, writable: true }) }), OPTIONS);
    expect(open.find((c) => c.name === 'state-dir')).toMatchObject({ status: 'warn', fix: `chmod 700 '${OPTIONS.stateDir}'` });
    const locked = await runChecks(probes({ stateDir: async () => ({ mode: 0o40500, directory: true, writable: false }) }), OPTIONS);
    expect(locked.find((c) => c.name === 'state-dir')?.status).toBe('missing');
    const absent = await runChecks(probes({ stateDir: async () => null }), OPTIONS);
    expect(absent.find((c) => c.name === 'state-dir')?.status).toBe('ok');
    const nowhere = await runChecks(
      probes({ stateDir: async () => null, nearestParent: async () => ({ path: '/home/ada', directory: true, writable: false }) }),
      OPTIONS,
    );
    expect(nowhere.find((c) => c.name === 'state-dir')).toMatchObject({ status: 'missing', fix: expect.stringContaining('mkdir -p -m 700') });
  });

  it('state dir: a file, or a path under a file, fails and never suggests chmod', async () => {
    const file = await runChecks(probes({ stateDir: async () => ({ mode: 0o100644, directory: false, writable: false }) }), {
      ...OPTIONS,
      stateDir: '/etc/passwd',
    });
    expect(file.find((c) => c.name === 'state-dir')).toMatchObject({
      status: 'missing',
      detail: '/etc/passwd is a file, not a folder.',
      fix: expect.stringContaining('--state-dir'),
    });
    expect(file.find((c) => c.name === 'state-dir')?.fix).not.toContain('chmod');
    const under = await runChecks(
      probes({ stateDir: async () => null, nearestParent: async () => ({ path: '/etc/passwd', directory: false, writable: false }) }),
      { ...OPTIONS, stateDir: '/etc/passwd/state' },
    );
    expect(under.find((c) => c.name === 'state-dir')).toMatchObject({
      status: 'missing',
      detail: '/etc/passwd is a file, so /etc/passwd/state cannot be created under it.',
    });
    expect(doctorFailed(under)).toBe(true);
  });

  it('node older than 20.19 fails', () => {
    expect(checkNode('20.18.0').status).toBe('missing');
    expect(checkNode('18.20.0').fix).toContain('20.19');
    expect(checkNode('22.1.0').status).toBe('ok');
  });
});

describe('doctor: the Bash sandbox', () => {
  it('ok where it runs; a warning (never a failure) with the exact packages to install where it does not', () => {
    expect(checkSandbox({ available: true, missing: [], reason: 'bubblewrap and socat found' }, 'linux')).toMatchObject({
      name: 'sandbox',
      status: 'ok',
      required: false,
    });
    const missing = checkSandbox(
      { available: false, missing: ['bubblewrap', 'socat'], reason: 'Bash is not sandboxed: install bubblewrap and socat' },
      'linux',
    );
    expect(missing).toMatchObject({ status: 'warn', required: false, fix: expect.stringContaining('apt-get install bubblewrap socat') });
    expect(doctorFailed([missing])).toBe(false);
    const noUserns = checkSandbox({ available: false, missing: [], reason: 'bubblewrap is installed but cannot build a sandbox here' }, 'linux');
    expect(noUserns.fix).toContain('user namespaces');
    expect(checkSandbox({ available: false, missing: [], reason: 'Claude Code has no Bash sandbox on win32' }, 'win32')).toMatchObject({ status: 'warn' });
  });
});
