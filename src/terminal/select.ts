/**
 * Which terminal backend to use: `auto` picks iTerm2 on macOS when iTerm2 is installed and the
 * hub is not itself running inside tmux; tmux otherwise. The decision is pure (probes are
 * injected) and says why, so `doctor` can show it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { HubError, ErrorCodes } from '../errors.js';
import type { BackendName, TerminalBackend } from './backend.js';
import { TmuxBackend, type TmuxBackendOptions } from './tmux.js';
import { ITerm2Backend, type ITerm2BackendOptions } from './iterm2.js';

export type BackendChoice = 'auto' | 'tmux' | 'iterm2';

export interface BackendProbes {
  /** Is iTerm2 installed (macOS only)? */
  iTermInstalled(): boolean;
}

export interface BackendSelection {
  readonly backend: BackendName;
  readonly why: string;
}

/** iTerm.app in /Applications or ~/Applications. */
export function defaultProbes(env: Readonly<Record<string, string | undefined>> = process.env): BackendProbes {
  return {
    iTermInstalled: () => ['/Applications/iTerm.app', ...(env.HOME ? [join(env.HOME, 'Applications', 'iTerm.app')] : [])].some((path) => existsSync(path)),
  };
}

export function selectBackend(
  choice: BackendChoice,
  env: Readonly<Record<string, string | undefined>>,
  platform: NodeJS.Platform,
  probes: BackendProbes,
): BackendSelection {
  if (choice === 'tmux') return { backend: 'tmux', why: 'tmux was chosen explicitly (--backend tmux).' };
  if (choice === 'iterm2') {
    if (platform !== 'darwin')
      throw new HubError(ErrorCodes.BACKEND_UNAVAILABLE, `iTerm2 runs on macOS only (this is ${platform}); use --backend tmux.`, { data: { platform } });
    return { backend: 'iterm2', why: 'iTerm2 was chosen explicitly (--backend iterm2).' };
  }
  if (choice !== 'auto')
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Backend ${JSON.stringify(choice)} is not one of auto, tmux, iterm2.`, { data: { choice } });
  if (platform !== 'darwin') return { backend: 'tmux', why: `auto: ${platform} is not macOS, so tmux.` };
  if (env.TMUX) return { backend: 'tmux', why: 'auto: the hub runs inside tmux ($TMUX is set), so tmux.' };
  if (!probes.iTermInstalled()) return { backend: 'tmux', why: 'auto: iTerm2 is not installed, so tmux.' };
  return { backend: 'iterm2', why: 'auto: macOS with iTerm2 installed and not inside tmux, so iTerm2.' };
}

export interface CreateBackendOptions {
  readonly choice: BackendChoice;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly platform?: NodeJS.Platform;
  readonly probes?: BackendProbes;
  readonly tmux?: TmuxBackendOptions;
  readonly iterm2?: ITerm2BackendOptions;
}

export function createBackend(options: CreateBackendOptions): { backend: TerminalBackend; selection: BackendSelection } {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const selection = selectBackend(options.choice, env, platform, options.probes ?? defaultProbes(env));
  const backend = selection.backend === 'tmux' ? new TmuxBackend(options.tmux) : new ITerm2Backend({ platform, ...options.iterm2 });
  return { backend, selection };
}
