import { describe, expect, it } from 'vitest';
import { Emitter } from '../src/emitter.js';
import type { Logger } from '../src/log.js';

type Events = { change: [string]; pair: [number, boolean] };

function recordingLogger(): Logger & { readonly errors: { message: string; data?: Record<string, unknown> }[] } {
  const errors: { message: string; data?: Record<string, unknown> }[] = [];
  return { errors, debug() {}, info() {}, warn() {}, error: (message, data) => void errors.push({ message, ...(data ? { data } : {}) }) };
}

describe('Emitter', () => {
  it('calls the listeners of one event in order, with its typed arguments, and only them', () => {
    const emitter = new Emitter<Events>({ name: 'test' });
    const seen: string[] = [];
    emitter.on('change', (s) => seen.push(`a:${s}`));
    emitter.on('pair', (n, b) => seen.push(`pair:${n}:${b}`));
    emitter.on('change', (s) => seen.push(`b:${s}`));
    emitter.emit('change', 'x');
    emitter.emit('pair', 2, true);
    expect(seen).toEqual(['a:x', 'b:x', 'pair:2:true']);
  });

  it('on returns a disposer; disposing twice, or one of two subscriptions of the same function, is safe', () => {
    const emitter = new Emitter<Events>({ name: 'test' });
    const seen: string[] = [];
    const listener = (s: string): void => void seen.push(s);
    const first = emitter.on('change', listener);
    emitter.on('change', listener);
    first();
    first();
    emitter.emit('change', 'once');
    expect(seen).toEqual(['once']);
    expect(emitter.listenerCount('change')).toBe(1);
  });

  it('a throwing listener is logged with the emitter and event names, and the others still run', () => {
    const logger = recordingLogger();
    const emitter = new Emitter<Events>({ name: 'index', logger });
    const seen: string[] = [];
    emitter.on('change', () => {
      throw new Error('boom');
    });
    emitter.on('change', (s) => seen.push(s));
    emitter.emit('change', 'still');
    expect(seen).toEqual(['still']);
    expect(logger.errors).toEqual([{ message: 'index listener failed', data: { event: 'change', message: 'boom' } }]);
  });

  it('a listener added or removed during a dispatch takes effect from the next one', () => {
    const emitter = new Emitter<Events>({ name: 'test' });
    const seen: string[] = [];
    let offLater: (() => void) | null = null;
    emitter.on('change', (s) => {
      seen.push(`first:${s}`);
      offLater?.();
      emitter.on('change', (t) => seen.push(`added:${t}`));
    });
    offLater = emitter.on('change', (s) => seen.push(`later:${s}`));
    emitter.emit('change', '1');
    expect(seen).toEqual(['first:1', 'later:1']);
  });

  it('an event with no listener (even one named error) is dropped; clear drops every subscription', () => {
    const emitter = new Emitter<{ error: [Error] }>({ name: 'test' });
    expect(() => emitter.emit('error', new Error('nobody listens'))).not.toThrow();
    const seen: Error[] = [];
    emitter.on('error', (e) => seen.push(e));
    emitter.clear();
    emitter.emit('error', new Error('after clear'));
    expect(seen).toEqual([]);
  });
});
