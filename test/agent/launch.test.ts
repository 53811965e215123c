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
    AWS_REGION: 'eu-west-1',
    HTTPS_PROXY: 'http://proxy:8080',
    NO_PROXY: 'localhost',
    NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
    CLOUD_ML_REGION: 'us-east5',
    DISABLE_TELEMETRY: '1',
    CLAUDE_HUB_TOKENS_FILE: '/secret/tokens',
    CLAUDE_CODE_SSE_PORT: '1234',
    MY_TEAM_VAR: 'team',
    TMUX: '/tmp/tmux-0/default,1,0',
    UNDEF: undefined,
  },
};

describe('buildLaunchSpec', () => {
  it('builds argv for a new conversation, each value one argument', () => {
    const spec = buildLaunchSpec({ ...base, permissionMode: 'acceptEdits', model: 'sonnet', extraArgs: ['--add-dir', '/x y'] });
    expect(spec.argv).toEqual([
      '/opt/claude',
      '--session-id',
      base.claudeSessionId,
      '-n',
      'Agent_1',
      '--append-system-prompt-file',
      base.promptFile,
      '--settings',
      base.settingsFile,
      '--permission-mode',
      'acceptEdits',
      '--model',
      'sonnet',
      '--add-dir',
      '/x y',
    ]);
    expect(spec.cwd).toBe('/work/proj');
  });

  it('resumes with --resume and no --session-id', () => {
    const spec = buildLaunchSpec({ ...base, resume: true });
    expect(spec.argv.slice(0, 3)).toEqual(['/opt/claude', '--resume', base.claudeSessionId]);
    expect(spec.argv).not.toContain('--session-id');
  });

  it("passes Claude Code's own configuration (proxy, CA, Bedrock, Vertex, DISABLE_*) and --agent-env names; never CLAUDECODE, ENTRYPOINT, the IDE port or the hub's own variables", () => {
    const spec = buildLaunchSpec({ ...base, extraEnv: { HOME: '/isolated' } });
    expect(spec.env).toEqual({
      DISABLE_AUTOUPDATER: '1',
      PATH: '/usr/bin',
      HOME: '/isolated',
      LANG: 'en_US.UTF-8',
      LC_ALL: 'en_US.UTF-8',
      ANTHROPIC_API_KEY: 'k',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:1',
      CLAUDE_CONFIG_DIR: '/c',
      AWS_REGION: 'eu-west-1',
      HTTPS_PROXY: 'http://proxy:8080',
      NO_PROXY: 'localhost',
      NODE_EXTRA_CA_CERTS: '/etc/ca.pem',
      CLOUD_ML_REGION: 'us-east5',
      DISABLE_TELEMETRY: '1',
      CLAUDE_HUB_AGENT: 'Agent_1',
      CLAUDE_HUB_SESSION: 'proj',
    });
    expect(agentPassThroughEnv({ CLAUDE_CODE_USE_BEDROCK: '1' })).toEqual({ CLAUDE_CODE_USE_BEDROCK: '1' });
    expect(buildLaunchSpec({ ...base, passEnv: ['MY_TEAM_VAR', 'SECRET_TOKEN'] }).env).toMatchObject({ MY_TEAM_VAR: 'team', SECRET_TOKEN: 'no' });
    // The person's own choice wins over the hub's default.
    expect(buildLaunchSpec({ ...base, baseEnv: { ...base.baseEnv, DISABLE_AUTOUPDATER: '0' } }).env.DISABLE_AUTOUPDATER).toBe('0');
  });

  it("checks the argv against the release: maps manual/default to the name it lists, refuses a mode it lacks or a release without the hub's options", () => {
    const older = {
      version: '2.1.197',
      options: ['--append-system-prompt-file', '--name', '--permission-mode', '--resume', '--session-id', '--settings'],
      permissionModes: ['acceptEdits', 'auto', 'bypassPermissions', 'default', 'dontAsk', 'plan'],
    };
    const newer = { ...older, version: '2.1.332', permissionModes: ['acceptEdits', 'auto', 'bypassPermissions', 'manual', 'dontAsk', 'plan'] };
    const mode = (spec: { argv: readonly string[] }): string | undefined => spec.argv[spec.argv.indexOf('--permission-mode') + 1];
    expect(mode(buildLaunchSpec({ ...base, permissionMode: 'manual', capabilities: older }))).toBe('default');
    expect(mode(buildLaunchSpec({ ...base, permissionMode: 'default', capabilities: newer }))).toBe('manual');
    expect(mode(buildLaunchSpec({ ...base, permissionMode: 'acceptEdits', capabilities: newer }))).toBe('acceptEdits');
    expect(() => buildLaunchSpec({ ...base, permissionMode: 'plan', capabilities: { ...newer, permissionModes: ['acceptEdits'] } })).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('offers acceptEdits') }),
    );
    expect(() => buildLaunchSpec({ ...base, capabilities: { ...newer, options: ['--session-id'] } })).toThrow(
      expect.objectContaining({ code: 'CONFIG_ERROR', message: expect.stringContaining('--append-system-prompt-file') }),
    );
  });

  it('rejects a non-UUID session id, an unknown permission mode and hook-disabling flags', () => {
    expect(() => buildLaunchSpec({ ...base, claudeSessionId: 'abc' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildLaunchSpec({ ...base, permissionMode: 'yolo' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildLaunchSpec({ ...base, extraArgs: ['--bare'] })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => buildLaunchSpec({ ...base, claudeCommand: ' ' })).toThrow(expect.objectContaining({ code: 'CONFIG_ERROR' }));
  });
});
