import { describe, expect, it } from 'vitest';
import { createBackend, selectBackend } from '../../src/terminal/select.js';
import { TmuxBackend } from '../../src/terminal/tmux.js';
import { ITerm2Backend } from '../../src/terminal/iterm2.js';

const installed = { iTermInstalled: () => true };
const absent = { iTermInstalled: () => false };

describe('selectBackend', () => {
  it('auto: iTerm2 only on macOS with iTerm2 installed and not inside tmux', () => {
    expect(selectBackend('auto', {}, 'darwin', installed)).toEqual({ backend: 'iterm2', why: expect.stringContaining('iTerm2 installed') });
    expect(selectBackend('auto', { TMUX: '/tmp/tmux-1/default,1,0' }, 'darwin', installed)).toMatchObject({
      backend: 'tmux',
      why: expect.stringContaining('$TMUX'),
    });
    expect(selectBackend('auto', {}, 'darwin', absent)).toMatchObject({ backend: 'tmux', why: expect.stringContaining('not installed') });
    expect(selectBackend('auto', {}, 'linux', installed)).toMatchObject({ backend: 'tmux', why: expect.stringContaining('linux is not macOS') });
  });

  it('honours an explicit choice, refusing iTerm2 off macOS', () => {
    expect(selectBackend('tmux', {}, 'darwin', installed).backend).toBe('tmux');
    expect(selectBackend('iterm2', { TMUX: 'x' }, 'darwin', absent).backend).toBe('iterm2');
    expect(() => selectBackend('iterm2', {}, 'linux', installed)).toThrow(expect.objectContaining({ code: 'BACKEND_UNAVAILABLE' }));
    expect(() => selectBackend('screen' as 'tmux', {}, 'linux', installed)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('creates the selected backend', () => {
    expect(createBackend({ choice: 'auto', platform: 'linux', env: {}, tmux: { socket: 'x' } }).backend).toBeInstanceOf(TmuxBackend);
    const mac = createBackend({ choice: 'auto', platform: 'darwin', env: {}, probes: installed, iterm2: { runScript: async () => '' } });
    expect(mac.backend).toBeInstanceOf(ITerm2Backend);
    expect(mac.selection.backend).toBe('iterm2');
  });
});
