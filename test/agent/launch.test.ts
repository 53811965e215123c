import { describe, expect, it } from 'vitest';
import { agentPassThroughEnv, buildLaunchSpec } from '../../src/agent/launch.js';

const base = {
  claudeCommand: '/opt/claude',
  agentName: 'Agent_1',
  hubSession: 'proj',
  claudeSessionId: '123e4567-e89b-42d3-a456-426614174000',
  promptFile: '/state dir/agents/proj/Agent_1.prompt.md',
  settingsFile: '/state dir/agents/Agent_1.settings.json',
  root: '/work/proj',
  baseEnv: {
    PATH: '/usr/bin',
    HOME: '/home/u',
    LANG: 'en_US.UTF-8',
    LC_ALL: 'en_US.UTF-8',
    ANTHROPIC_API_KEY: 'k',
    ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
    CLAUDE_CONFIG_DIR: '/c',
    CLAUDECODE: '1',
    CLAUDE_CODE_ENTRYPOINT: 'cli',
    CLAUDE_HUB_AGENT: 'spoofed',
    SECRET_TOKEN: 'no',
    AWS_SECRET_ACCESS_KEY: 'no',
    TMUX: '/tmp/tmux-0/default,1,0',
    UNDEF: undefined,
  },
};

describe('buildLaunchSpec', () => {
  it('builds argv for a new conversation, each value one argument', () => {
    const spec = buildLaunchSpec({ ...base, permissionMode: 'acceptEdits', model: 'sonnet', extraArgs: ['--add-dir', '/x y'] });
    expect(spec.argv).toEqual([
      '/opt/claude', '--session-id', base.claudeSessionId, '-n', 'Agent_1',
      '--append-system-prompt-file', base.promptFile, '--settings', base.settingsFile,
      '--permission-mode', 'acceptEdits', '--model', 'sonnet', '--add-dir', '/x y',
    ]);
    expect(spec.cwd).toBe('/work/proj');
  });

  it('resumes with --resume and no --session-id', () => {
    const spec = buildLaunchSpec({ ...base, resume: true });
    expect(spec.argv.slice(0, 3)).toEqual(['/opt/claude', '--resume', base.claudeSessionId]);
    expect(spec.argv).not.toContain('--session-id');
  });

  it('passes only the allow-listed env, never CLAUDECODE/ENTRYPOINT, and sets the hub variables', () => {
    const spec = buildLaunchSpec({ ...base, extraEnv: { HOME: '/isolated' } });
    expect(spec.env).toEqual({
      PATH: '/usr/bin',
      HOME: '/isolated',
      LANG: 'en_US.UTF-8',
      LC_ALL: 'en_US.UTF-8',
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CONFIG_DIR: '/c',
      CLAUDE_HUB_AGENT: 'Agent_1',
      CLAUDE_HUB_SESSION: 'proj',
    });
    expect(agentPassThroughEnv({ CLAUDE_CODE_USE_BEDROCK: '1' })).toEqual({ CLAUDE_CODE_USE_BEDROCK: '1' });
  });

  it('rejects a non-UUID session id, an unknown permission mode and hook-disabling flags', () => {
    expect(() => buildLaunchSpec({ ...base, claudeSessionId: 'abc' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildLaunchSpec({ ...base, permissionMode: 'yolo' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildLaunchSpec({ ...base, extraArgs: ['--bare'] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildLaunchSpec({ ...base, claudeCommand: ' ' })).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR' }));
  });
});
