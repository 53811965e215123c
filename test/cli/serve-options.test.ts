import { describe, expect, it } from 'vitest';
import { HubError } from '../../src/errors.js';
import { parseServeOptions, SERVE_FLAGS, envName, serveHelp } from '../../src/commands/serve-options.js';
import { serveCommand } from '../../src/commands/serve.js';

const ENV = { HOME: '/home/ada' };

function fails(argv: string[], env: NodeJS.ProcessEnv = ENV): HubError {
  try {
    parseServeOptions(argv, env, '/cwd');
  } catch (error) {
    expect(error).toBeInstanceOf(HubError);
    return error as HubError;
  }
  throw new Error(`expected ${argv.join(' ')} to fail`);
}

describe('serve options', () => {
  it('defaults', () => {
    expect(parseServeOptions([], ENV, '/cwd')).toEqual({
      transport: 'stdio',
      port: 7337,
      host: '127.0.0.1',
      stateDir: '/home/ada/.local/state/claude-hub',
      backend: 'auto',
      securityLevel: 'HIGH',
      maxAgents: 16,
      maxSessions: 8,
      logDir: null,
      claudeCommand: 'claude',
      tmuxSocket: null,
      tokensFile: null,
      restore: false,
      permissionMode: null,
      model: null,
      agentEnvNames: [],
      httpSessionIdleSeconds: 1800,
      maxHttpSessions: 64,
      boardPort: null,
      notifyWebhooks: [],
      stuckSeconds: 300,
      pricesFile: null,
      limitWaitSeconds: 900,
      limitNudge: true,
    });
  });

  it('every flag, with relative paths resolved against the working directory', () => {
    const config = parseServeOptions(
      [
        '--transport',
        'http',
        '--port',
        '0',
        '--host',
        '::1',
        '--state-dir',
        'state',
        '--backend',
        'tmux',
        '--security-level',
        'LOW',
        '--max-agents',
        '3',
        '--max-sessions',
        '2',
        '--log-dir',
        '/var/log/hub',
        '--claude-command',
        '/opt/claude',
        '--tmux-socket',
        'hub-1',
        '--tokens-file',
        'tokens',
        '--restore',
        '--permission-mode',
        'acceptEdits',
        '--model',
        'sonnet',
        '--http-session-idle',
        '0',
        '--max-http-sessions',
        '2',
      ],
      ENV,
      '/cwd',
    );
    expect(config).toMatchObject({
      transport: 'http',
      port: 0,
      host: '::1',
      stateDir: '/cwd/state',
      backend: 'tmux',
      securityLevel: 'LOW',
      maxAgents: 3,
      maxSessions: 2,
      logDir: '/var/log/hub',
      claudeCommand: '/opt/claude',
      tmuxSocket: 'hub-1',
      tokensFile: '/cwd/tokens',
      restore: true,
      permissionMode: 'acceptEdits',
      model: 'sonnet',
      httpSessionIdleSeconds: 0,
      maxHttpSessions: 2,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads CLAUDE_HUB_* for each flag, and flags win', () => {
    expect(Object.keys(SERVE_FLAGS).map(envName)).toContain('CLAUDE_HUB_SECURITY_LEVEL');
    const env = { ...ENV, CLAUDE_HUB_SECURITY_LEVEL: 'MEDIUM', CLAUDE_HUB_MAX_AGENTS: '4', CLAUDE_HUB_RESTORE: 'true', CLAUDE_HUB_TRANSPORT: 'http' };
    expect(parseServeOptions([], env, '/cwd')).toMatchObject({ securityLevel: 'MEDIUM', maxAgents: 4, restore: true, transport: 'http' });
    expect(parseServeOptions(['--security-level', 'LOW', '--transport', 'stdio'], env, '/cwd')).toMatchObject({ securityLevel: 'LOW', transport: 'stdio' });
  });

  it.each([
    [['--transport', 'pigeon'], /--transport "pigeon" is not valid: use stdio, http/],
    [['--port', '70000'], /--port "70000".*0 to 65535/],
    [['--port', '12ab'], /--port/],
    [['--max-agents', '0'], /--max-agents "0".*1 to 256/],
    [['--security-level', 'low'], /LOW, MEDIUM, HIGH/],
    [['--backend', 'kitty'], /auto, tmux, iterm2/],
    [['--tmux-socket', 'a b'], /--tmux-socket/],
    [['--http-session-idle=-1'], /--http-session-idle "-1".*0 to 604800/],
    [['--http-session-idle', '1.5'], /--http-session-idle "1.5".*whole number/],
    [['--http-session-idle', '604801'], /--http-session-idle "604801"/],
    [['--max-http-sessions', '0'], /--max-http-sessions "0".*1 to 1024/],
    [['--max-http-sessions', '1025'], /--max-http-sessions "1025"/],
    [['--max-http-sessions', ''], /--max-http-sessions ""/],
    [['--prot', '1'], /Unknown option '--prot'/],
    [['extra'], /positional/i],
  ])('%j → INVALID_ARGUMENT', (argv, message) => {
    const error = fails(argv);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(message);
    expect(error.message).toContain('serve --help');
  });

  it('names the environment variable when the bad value came from it', () => {
    const error = fails([], { ...ENV, CLAUDE_HUB_SECURITY_LEVEL: 'ULTRA' });
    expect(error.message).toContain('CLAUDE_HUB_SECURITY_LEVEL "ULTRA"');
    expect(fails([], { ...ENV, CLAUDE_HUB_RESTORE: 'maybe' }).message).toContain('true or false');
  });

  it('reads the HTTP session options from CLAUDE_HUB_HTTP_SESSION_IDLE and CLAUDE_HUB_MAX_HTTP_SESSIONS, and names them when bad', () => {
    expect(parseServeOptions([], { ...ENV, CLAUDE_HUB_HTTP_SESSION_IDLE: '60', CLAUDE_HUB_MAX_HTTP_SESSIONS: '5' }, '/cwd')).toMatchObject({
      httpSessionIdleSeconds: 60,
      maxHttpSessions: 5,
    });
    expect(parseServeOptions(['--http-session-idle', '1'], { ...ENV, CLAUDE_HUB_HTTP_SESSION_IDLE: '60' }, '/cwd').httpSessionIdleSeconds).toBe(1);
    expect(fails([], { ...ENV, CLAUDE_HUB_MAX_HTTP_SESSIONS: 'lots' }).message).toContain('CLAUDE_HUB_MAX_HTTP_SESSIONS "lots"');
    expect(fails([], { ...ENV, CLAUDE_HUB_HTTP_SESSION_IDLE: '30m' }).message).toContain('CLAUDE_HUB_HTTP_SESSION_IDLE "30m"');
  });

  it('serve exits 2 on a bad HTTP session option, naming it, before starting anything', async () => {
    for (const argv of [
      ['--transport', 'http', '--max-http-sessions', '0'],
      ['--transport', 'http', '--http-session-idle', 'soon'],
    ]) {
      const out: string[] = [];
      const err: string[] = [];
      const code = await serveCommand(argv, {
        stdout: { write: (t: string) => out.push(t) },
        stderr: { write: (t: string) => err.push(t) },
        env: ENV,
        cwd: '/cwd',
      });
      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('')).toMatch(new RegExp(`^INVALID_ARGUMENT: ${argv[2]} "${argv[3]}" is not valid`));
    }
  });

  it('help lists every flag with its environment variable', () => {
    const help = serveHelp();
    for (const flag of Object.keys(SERVE_FLAGS)) {
      expect(help).toContain(`--${flag}`);
      expect(help).toContain(envName(flag));
    }
  });
});
