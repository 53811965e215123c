import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError } from '../../src/errors.js';
import type { Exec, ExecResult } from '../../src/exec.js';
import { silentLogger } from '../../src/log.js';
import { seal } from '../../src/store/state-crypto.js';
import { resolveKey } from '../../src/store/state-key.js';
import type { HubState } from '../../src/store/state-schema.js';
import { StateStore } from '../../src/store/state-store.js';

const SECRET = 'a secret message text 7f3e';

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), 'hub-state-')), 'state-dir');
});
afterEach(async () => {
  await rm(join(dir, '..'), { recursive: true, force: true });
});

const hexKey = randomBytes(32).toString('hex');
const keyed = (value = hexKey) => ({ dir, logger: silentLogger, key: { kind: 'value' as const, value } });

function addSession(id: string) {
  return (draft: HubState): void => {
    draft.sessions.push({ id, name: id, root: `/repo/${id}`, createdAt: '2026-01-01T00:00:00.000Z', trustRoot: false, budgetUsd: null, budgetTokens: null });
  };
}

function enqueue(deliveryId: string, text = SECRET) {
  return (draft: HubState): void => {
    draft.queue.push({
      deliveryId,
      agent: 'A',
      session: 's1',
      text,
      taskId: 'T-1',
      enqueuedAt: '2026-01-01T00:00:00.000Z',
      state: 'queued',
      typedAt: null,
      submits: 0,
      reason: null,
    });
  };
}

async function rejectionOf(promise: Promise<unknown>): Promise<HubError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HubError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(join(dir, name))).toString('hex');
  return out;
}

describe('StateStore', () => {
  it('starts empty, creates the dir 0700, persists every update encrypted, and reloads it', async () => {
    const store = await StateStore.open(keyed());
    expect(store.report.source).toBe('empty');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    await store.update(addSession('s1'));
    await store.update(enqueue('d-1'));
    const bytes = await readFile(join(dir, 'state'));
    expect(bytes.subarray(0, 8).toString()).toBe('CHUBSTAT');
    expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    expect(bytes.includes(Buffer.from('/repo/s1'))).toBe(false);
    expect((await stat(join(dir, 'state'))).mode & 0o777).toBe(0o600);
    const again = await StateStore.open(keyed());
    expect(again.report.source).toBe('state');
    expect(again.get().sessions.map((s) => s.id)).toEqual(['s1']);
    expect(again.get().queue[0]?.text).toBe(SECRET);
  });

  it('two writes of the same state differ (fresh IV each time)', async () => {
    const store = await StateStore.open(keyed());
    await store.update(addSession('s1'));
    const first = await readFile(join(dir, 'state'));
    await store.update(() => undefined);
    const second = await readFile(join(dir, 'state'));
    expect(first.equals(second)).toBe(false);
    expect(first.length).toBe(second.length);
  });

  it('serialises concurrent updates in call order and hands out frozen snapshots', async () => {
    const store = await StateStore.open(keyed());
    await Promise.all(Array.from({ length: 40 }, (_, i) => store.update(enqueue(`d-${i}`, `m${i}`))));
    expect(store.get().queue.map((m) => m.deliveryId)).toEqual(Array.from({ length: 40 }, (_, i) => `d-${i}`));
    const snap = store.get();
    expect(Object.isFrozen(snap.queue[0])).toBe(true);
    expect(() => (snap.queue as HubState['queue']).push({} as never)).toThrow();
    const reopened = await StateStore.open(keyed());
    expect(reopened.get().queue).toHaveLength(40);
  });

  it('a mutator that throws or breaks the schema changes nothing, and later updates still run', async () => {
    const store = await StateStore.open(keyed());
    await store.update(addSession('s1'));
    const before = await readFile(join(dir, 'state'));
    await expect(
      store.update(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const invalid = await rejectionOf(store.update(addSession('s1')));
    expect(invalid.code).toBe('INTERNAL');
    expect((await readFile(join(dir, 'state'))).equals(before)).toBe(true);
    expect(store.get().sessions).toHaveLength(1);
    await store.update(addSession('s2'));
    expect(store.get().sessions.map((s) => s.id)).toEqual(['s1', 's2']);
  });

  it('a truncated state file is reported STATE_CORRUPT, moved aside, and the last good copy used', async () => {
    const store = await StateStore.open(keyed());
    await store.update(addSession('s1'));
    await store.update(addSession('s2'));
    const full = await readFile(join(dir, 'state'));
    await writeFile(join(dir, 'state'), full.subarray(0, full.length - 20));
    const recovered = await StateStore.open(keyed());
    expect(recovered.report.source).toBe('previous');
    expect(recovered.get().sessions.map((s) => s.id)).toEqual(['s1']);
    expect(recovered.warnings.map((w) => w.code)).toEqual(['STATE_CORRUPT']);
    expect(recovered.warnings[0]?.message).toMatch(/failed authentication|truncated/);
    const aside = recovered.report.movedAside[0] ?? '';
    expect((await readFile(aside)).equals(full.subarray(0, full.length - 20))).toBe(true);
    // The primary file is healthy again.
    expect((await StateStore.open(keyed())).report.source).toBe('state');
  });

  it('a flipped byte (tampering) is STATE_CORRUPT, never garbage state', async () => {
    const store = await StateStore.open(keyed());
    await store.update(addSession('s1'));
    await store.update(addSession('s2'));
    const bytes = await readFile(join(dir, 'state'));
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] ?? 0) ^ 0x01;
    await writeFile(join(dir, 'state'), bytes);
    const recovered = await StateStore.open(keyed());
    expect(recovered.warnings[0]?.code).toBe('STATE_CORRUPT');
    expect(recovered.warnings[0]?.message).toMatch(/failed authentication/);
    expect(recovered.get().sessions.map((s) => s.id)).toEqual(['s1']);
    expect(recovered.report.source).toBe('previous');
  });

  it('garbage in both files: both kept aside, empty state with two warnings', async () => {
    const store = await StateStore.open(keyed());
    await store.update(addSession('s1'));
    await store.update(addSession('s2'));
    await writeFile(join(dir, 'state'), 'not a state file at all, just text');
    await writeFile(join(dir, 'state.prev'), Buffer.alloc(0));
    const recovered = await StateStore.open(keyed());
    expect(recovered.report.source).toBe('empty');
    expect(recovered.warnings.map((w) => w.code)).toEqual(['STATE_CORRUPT', 'STATE_CORRUPT']);
    expect(recovered.report.movedAside).toHaveLength(2);
    const names = await readdir(dir);
    expect(names.filter((n) => n.startsWith('state.corrupt-'))).toHaveLength(1);
    expect(names.filter((n) => n.startsWith('state.prev.corrupt-'))).toHaveLength(1);
  });

  it('valid encryption but wrong JSON shape is STATE_CORRUPT', async () => {
    const key = Buffer.from(hexKey, 'hex');
    await (await StateStore.open(keyed())).update(addSession('s1'));
    await writeFile(join(dir, 'state'), seal(Buffer.from('{"version":1,"sessions":"nope"}'), key));
    const recovered = await StateStore.open(keyed());
    expect(recovered.warnings[0]?.code).toBe('STATE_CORRUPT');
    expect(recovered.warnings[0]?.message).toMatch(/schema/);
    expect(recovered.get().sessions).toEqual([]);
  });

  it('a wrong key is STATE_KEY, and nothing on disk changes', async () => {
    const store = await StateStore.open(keyed());
    await store.update(addSession('s1'));
    await store.update(addSession('s2'));
    const before = await snapshot();
    const error = await rejectionOf(StateStore.open(keyed(randomBytes(32).toString('hex'))));
    expect(error.code).toBe('STATE_KEY');
    expect(error.message).toMatch(/another key/);
    expect(await snapshot()).toEqual(before);
  });

  it('a passphrase key derives the same key from the stored salt; another passphrase is STATE_KEY', async () => {
    const pass = 'correct horse battery staple';
    const store = await StateStore.open(keyed(pass));
    expect(store.keyInfo?.origin).toBe('env-passphrase');
    await store.update(addSession('s1'));
    const salt = await readFile(join(dir, 'key.salt'));
    expect((await StateStore.open(keyed(pass))).get().sessions).toHaveLength(1);
    const before = await snapshot();
    expect((await rejectionOf(StateStore.open(keyed('another long passphrase')))).code).toBe('STATE_KEY');
    expect(await snapshot()).toEqual(before);
    expect((await readFile(join(dir, 'key.salt'))).equals(salt)).toBe(true);
    expect((await rejectionOf(StateStore.open(keyed('short')))).code).toBe('STATE_KEY');
  });

  it('CLAUDE_HUB_KEY as base64 is the same key as its hex form', async () => {
    const raw = randomBytes(32);
    await (await StateStore.open(keyed(raw.toString('hex')))).update(addSession('s1'));
    const store = await StateStore.open({ dir, logger: silentLogger, env: { CLAUDE_HUB_KEY: raw.toString('base64') }, platform: 'linux' });
    expect(store.keyInfo?.origin).toBe('env-key');
    expect(store.get().sessions).toHaveLength(1);
  });

  it('without CLAUDE_HUB_KEY (linux) a key file is created with mode 0600 and reused', async () => {
    const store = await StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' });
    expect(store.keyInfo?.origin).toBe('key-file');
    expect((await stat(join(dir, 'key'))).mode & 0o777).toBe(0o600);
    await store.update(addSession('s1'));
    const again = await StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' });
    expect(again.keyInfo?.id).toBe(store.keyInfo?.id);
    expect(again.get().sessions).toHaveLength(1);
  });

  it('a key file with mode 0644 is refused with STATE_KEY and left as it is', async () => {
    await (await StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' })).update(addSession('s1'));
    await chmod(join(dir, 'key'), 0o644);
    const before = await snapshot();
    const error = await rejectionOf(StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' }));
    expect(error.code).toBe('STATE_KEY');
    expect(error.message).toMatch(/mode 0644.*chmod 600/);
    expect(await snapshot()).toEqual(before);
    expect((await stat(join(dir, 'key'))).mode & 0o777).toBe(0o644);
  });

  it('a key file that does not hold a key is STATE_KEY', async () => {
    await StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' });
    await writeFile(join(dir, 'key'), 'hello\n', { mode: 0o600 });
    expect((await rejectionOf(StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux' }))).code).toBe('STATE_KEY');
  });
});

describe('read-only and leftovers', () => {
  it('readOnly loads without writing: nothing created, nothing moved aside, updates refused', async () => {
    const empty = await StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux', readOnly: true });
    expect(empty.get().sessions).toEqual([]);
    expect(empty.keyInfo).toBeNull();
    expect(await readdir(join(dir, '..'))).toEqual([]);
    await (await StateStore.open(keyed())).update(addSession('s1'));
    const store = await StateStore.open(keyed());
    await store.update(addSession('s2'));
    await writeFile(join(dir, 'state'), 'damaged');
    const before = await snapshot();
    const reader = await StateStore.open({ ...keyed(), readOnly: true });
    expect(reader.get().sessions.map((s) => s.id)).toEqual(['s1']);
    expect(reader.warnings.map((w) => w.code)).toEqual(['STATE_CORRUPT']);
    expect(reader.warnings[0]?.message).toMatch(/Left in place \(read-only\)/);
    expect((await rejectionOf(reader.update(addSession('s3')))).code).toBe('INTERNAL');
    expect(await snapshot()).toEqual(before);
  });

  it('readOnly with a state but no key anywhere is STATE_KEY and creates no key file', async () => {
    await (await StateStore.open(keyed())).update(addSession('s1'));
    const before = await snapshot();
    const error = await rejectionOf(StateStore.open({ dir, logger: silentLogger, env: {}, platform: 'linux', readOnly: true }));
    expect(error.code).toBe('STATE_KEY');
    expect(await snapshot()).toEqual(before);
  });

  it("temp files of dead writers are removed at open; a live writer's are kept", async () => {
    await (await StateStore.open(keyed())).update(addSession('s1'));
    await writeFile(join(dir, '.state.tmp-999999999-abcd'), 'half a write');
    await writeFile(join(dir, `.state.tmp-${process.ppid}-beef`), 'someone else writing now');
    await StateStore.open(keyed());
    const names = await readdir(dir);
    expect(names).not.toContain('.state.tmp-999999999-abcd');
    expect(names).toContain(`.state.tmp-${process.ppid}-beef`);
  });
});

describe('macOS keychain key source', () => {
  // A recording stand-in for macOS `security` (it does not exist on Linux); it says so here.
  function fakeSecurity(): { exec: Exec; calls: string[][]; stored: Map<string, string> } {
    const stored = new Map<string, string>();
    const calls: string[][] = [];
    const exec: Exec = async (command, args) => {
      calls.push([command, ...args]);
      const result = (exitCode: number, stdout = ''): ExecResult => ({
        command,
        args,
        exitCode,
        signal: null,
        stdout,
        stderr: exitCode ? 'not found' : '',
        durationMs: 0,
      });
      const service = args[args.indexOf('-s') + 1] ?? '';
      if (args[0] === 'find-generic-password') return stored.has(service) ? result(0, `${stored.get(service)}\n`) : result(44);
      if (args[0] === 'add-generic-password') {
        stored.set(service, args[args.indexOf('-w') + 1] ?? '');
        return result(0);
      }
      return result(1);
    };
    return { exec, calls, stored };
  }

  it('creates a key in the keychain on first use on darwin and reads the same key after', async () => {
    const fake = fakeSecurity();
    const first = await resolveKey({ dir, env: {}, platform: 'darwin', exec: fake.exec });
    const second = await resolveKey({ dir, env: {}, platform: 'darwin', exec: fake.exec });
    expect(first.origin).toBe('keychain');
    expect(second.key.equals(first.key)).toBe(true);
    expect(fake.calls.map((c) => c.slice(0, 2))).toEqual([
      ['security', 'find-generic-password'],
      ['security', 'add-generic-password'],
      ['security', 'find-generic-password'],
    ]);
    expect(fake.calls[0]).toEqual(['security', 'find-generic-password', '-s', 'claude-hub', '-a', 'state-key', '-w']);
  });

  it('CLAUDE_HUB_KEY wins over the keychain', async () => {
    const fake = fakeSecurity();
    const key = await resolveKey({ dir, env: { CLAUDE_HUB_KEY: hexKey }, platform: 'darwin', exec: fake.exec });
    expect(key.origin).toBe('env-key');
    expect(fake.calls).toEqual([]);
  });
});
