/**
 * Where the state key comes from, in order: `CLAUDE_HUB_KEY` (32 bytes as hex or base64, or
 * a passphrase stretched with scrypt and a salt stored in the state dir), the macOS keychain
 * (darwin only, via the `security` tool), or a key file in the state dir created on first
 * run with mode 0600. A key file readable by others is refused.
 */
import { hkdfSync, randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { HubError, ErrorCodes } from '../errors.js';
import { exec as defaultExec, type Exec } from '../exec.js';
import type { Logger } from '../log.js';
import { KEY_BYTES, keyId } from './state-crypto.js';

export type KeySource =
  /** Take the key from CLAUDE_HUB_KEY, then the keychain (macOS), then the key file. */
  | { readonly kind: 'auto'; readonly create?: boolean }
  /** A key or passphrase given directly (the value of CLAUDE_HUB_KEY). */
  | { readonly kind: 'value'; readonly value: string }
  | { readonly kind: 'keychain'; readonly service?: string; readonly account?: string; readonly create?: boolean }
  /** `create: false` (read-only use): a missing key is an error instead of a new key. */
  | { readonly kind: 'file'; readonly path?: string; readonly create?: boolean };

export type KeyOrigin = 'env-key' | 'env-passphrase' | 'keychain' | 'key-file';

export interface ResolvedKey {
  readonly key: Buffer;
  readonly id: string;
  readonly origin: KeyOrigin;
  /** Where it lives (key file path, keychain service) for messages; never the key. */
  readonly where: string;
}

export interface ResolveKeyOptions {
  readonly dir: string;
  readonly source?: KeySource;
  readonly env?: NodeJS.ProcessEnv;
  readonly platform?: NodeJS.Platform;
  readonly exec?: Exec;
  readonly logger?: Logger;
}

export const KEY_FILE = 'key';
export const SALT_FILE = 'key.salt';
export const KEYCHAIN_SERVICE = 'claude-hub';
export const KEYCHAIN_ACCOUNT = 'state-key';
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const MIN_PASSPHRASE = 12;

export async function resolveKey(options: ResolveKeyOptions): Promise<ResolvedKey> {
  const source = options.source ?? { kind: 'auto' };
  const env = options.env ?? process.env;
  switch (source.kind) {
    case 'value':
      return fromValue(source.value, options.dir);
    case 'keychain':
      return fromKeychain(options.exec ?? defaultExec, source.service ?? KEYCHAIN_SERVICE, source.account ?? KEYCHAIN_ACCOUNT, source.create ?? true);
    case 'file':
      return fromKeyFile(source.path ?? join(options.dir, KEY_FILE), source.create ?? true);
    case 'auto': {
      const value = env.CLAUDE_HUB_KEY;
      if (value !== undefined && value !== '') return fromValue(value, options.dir);
      if ((options.platform ?? process.platform) === 'darwin') {
        return fromKeychain(options.exec ?? defaultExec, KEYCHAIN_SERVICE, KEYCHAIN_ACCOUNT, source.create ?? true);
      }
      return fromKeyFile(join(options.dir, KEY_FILE), source.create ?? true);
    }
  }
}

/**
 * The audit log's anchor key: HKDF-SHA256 of the state key with its own `info`, so the key
 * that signs audit anchors is never the key that encrypts the state (and reveals nothing of it).
 */
export function deriveAuditKey(stateKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', stateKey, Buffer.alloc(0), 'claude-hub/audit-anchor/v1', KEY_BYTES));
}

/** 64 hex digits or base64(url) of exactly 32 bytes is a raw key; anything else a passphrase. */
export function decodeRawKey(value: string): Buffer | null {
  const trimmed = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed, 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  return null;
}

async function fromValue(value: string, dir: string): Promise<ResolvedKey> {
  const raw = decodeRawKey(value);
  if (raw) return { key: raw, id: keyId(raw), origin: 'env-key', where: 'CLAUDE_HUB_KEY' };
  if (value.length < MIN_PASSPHRASE) {
    throw new HubError(
      ErrorCodes.STATE_KEY,
      `CLAUDE_HUB_KEY is neither a 32-byte key (64 hex digits or base64) nor a passphrase of at least ${MIN_PASSPHRASE} characters.`,
    );
  }
  const salt = await loadOrCreateSalt(join(dir, SALT_FILE));
  const key = await new Promise<Buffer>((resolve, reject) =>
    scryptCallback(value, salt, KEY_BYTES, SCRYPT, (error, derived) => (error ? reject(error) : resolve(derived))),
  );
  return { key, id: keyId(key), origin: 'env-passphrase', where: 'CLAUDE_HUB_KEY (passphrase)' };
}

async function loadOrCreateSalt(path: string): Promise<Buffer> {
  try {
    const salt = await readFile(path);
    if (salt.length < 16) throw new HubError(ErrorCodes.STATE_KEY, `The passphrase salt ${path} is damaged (${salt.length} bytes).`);
    return salt;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const salt = randomBytes(16);
  await writeNewSecretFile(path, salt);
  // Another process may have won the race: use whatever is on disk.
  return readFile(path);
}

/** Creates a file with mode 0600 that must not exist yet; an existing one is left alone. */
async function writeNewSecretFile(path: string, content: Buffer | string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new HubError(ErrorCodes.IO_ERROR, `Could not create ${path}: ${(error as Error).message}`, { cause: error });
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fromKeyFile(path: string, create: boolean): Promise<ResolvedKey> {
  let info;
  try {
    info = await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new HubError(ErrorCodes.STATE_KEY, `The key file ${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    if (!create)
      throw new HubError(ErrorCodes.STATE_KEY, `There is no key file ${path}; set CLAUDE_HUB_KEY to the key the state was written with.`, { data: { path } });
    await writeNewSecretFile(path, randomBytes(KEY_BYTES).toString('base64') + '\n');
    info = await stat(path);
  }
  if (!info.isFile()) throw new HubError(ErrorCodes.STATE_KEY, `The key file ${path} is not a regular file.`);
  if ((info.mode & 0o077) !== 0) {
    throw new HubError(
      ErrorCodes.STATE_KEY,
      `The key file ${path} has mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}; others can read it. ` +
        `Run \`chmod 600 ${path}\` (and consider the state exposed), then start again.`,
      { data: { path, mode: info.mode & 0o777 } },
    );
  }
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid) {
    throw new HubError(ErrorCodes.STATE_KEY, `The key file ${path} belongs to uid ${info.uid}, not to you (uid ${uid}).`, {
      data: { path, owner: info.uid },
    });
  }
  const key = decodeRawKey((await readFile(path, 'utf8')).trim());
  if (!key) throw new HubError(ErrorCodes.STATE_KEY, `The key file ${path} does not hold a base64 32-byte key.`, { data: { path } });
  return { key, id: keyId(key), origin: 'key-file', where: path };
}

/** `security` exits 44 when the item does not exist. */
const SECURITY_NOT_FOUND = 44;

async function fromKeychain(exec: Exec, service: string, account: string, create: boolean): Promise<ResolvedKey> {
  const where = `keychain item ${service}/${account}`;
  const found = await exec('security', ['find-generic-password', '-s', service, '-a', account, '-w'], { allowFailure: true });
  if (found.exitCode === 0) {
    const key = decodeRawKey(found.stdout.trim());
    if (!key) throw new HubError(ErrorCodes.STATE_KEY, `The ${where} does not hold a base64 32-byte key.`);
    return { key, id: keyId(key), origin: 'keychain', where };
  }
  if (found.exitCode !== SECURITY_NOT_FOUND) {
    throw new HubError(ErrorCodes.STATE_KEY, `Reading the ${where} failed: ${found.stderr.trim() || `exit ${String(found.exitCode)}`}.`, {
      data: { exitCode: found.exitCode },
    });
  }
  if (!create) throw new HubError(ErrorCodes.STATE_KEY, `There is no ${where}; set CLAUDE_HUB_KEY to the key the state was written with.`);
  const key = randomBytes(KEY_BYTES);
  // `security` takes the secret on argv (it reads -w input only from a tty); it is visible to
  // the same user's `ps` for the few milliseconds the command runs.
  await exec('security', ['add-generic-password', '-s', service, '-a', account, '-l', 'claude-hub state key', '-w', key.toString('base64')]);
  return { key, id: keyId(key), origin: 'keychain', where };
}
