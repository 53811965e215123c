import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubError } from '../../src/errors.js';
import { bearerToken, createTokenAuthenticator, generateToken, loadTokensFile, MIN_TOKEN_LENGTH, parseTokens } from '../../src/security/tokens.js';

const ADMIN = 'a'.repeat(20) + 'ADMIN-token-0123456789';
const VIEWER = 'v'.repeat(20) + 'VIEWER-token-012345678';
const TEXT = `# name role token\n\nlaptop   admin   ${ADMIN}\ndashboard\tviewer\t${VIEWER}\n`;

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HubError) return error.code;
    throw error;
  }
  return 'ACCEPTED';
}

describe('tokens file', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-tokens-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a 0600 file and maps tokens to names and roles', async () => {
    const file = join(dir, 'tokens');
    await writeFile(file, TEXT, { mode: 0o600 });
    const auth = await loadTokensFile(file);
    expect(auth.size).toBe(2);
    expect(auth.authenticate(`Bearer ${ADMIN}`)).toEqual({ name: 'laptop', role: 'admin' });
    expect(auth.authenticate(`bearer ${VIEWER}`)).toEqual({ name: 'dashboard', role: 'viewer' });
  });

  it('refuses a file group or others can read, saying how to fix it, and reads nothing from it', async () => {
    const file = join(dir, 'tokens');
    await writeFile(file, TEXT);
    for (const mode of [0o644, 0o640, 0o604, 0o660]) {
      await chmod(file, mode);
      let error: unknown;
      await loadTokensFile(file).catch((e: unknown) => (error = e));
      expect(error).toBeInstanceOf(HubError);
      expect((error as HubError).code).toBe('CONFIG_ERROR');
      expect((error as HubError).message).toContain(`chmod 600 '${file}'`);
      expect((error as HubError).message).not.toContain(ADMIN);
    }
    expect(await readFile(file, 'utf8')).toBe(TEXT);
  });

  it('refuses missing, empty and malformed files with CONFIG_ERROR naming the line, never the token', async () => {
    expect(await codeOf(loadTokensFile(join(dir, 'absent')))).toBe('CONFIG_ERROR');
    const empty = join(dir, 'empty');
    await writeFile(empty, '# nothing\n', { mode: 0o600 });
    expect(await codeOf(loadTokensFile(empty))).toBe('CONFIG_ERROR');
    const bad: [string, string][] = [
      [`laptop admin`, 'line 1 has 2 fields'],
      [`laptop root ${ADMIN}`, 'role "root" is unknown'],
      [`laptop admin short-token`, `must be ${MIN_TOKEN_LENGTH} to 512`],
      [`laptop admin ${ADMIN}\nlaptop viewer ${VIEWER}`, 'appears twice'],
      [`a admin ${ADMIN}\nb viewer ${ADMIN}`, 'also used by another line'],
      [`1x admin ${ADMIN}`, 'not a valid name'],
    ];
    for (const [text, expected] of bad) {
      let error: unknown;
      try {
        parseTokens(text, 'tokens');
      } catch (e) {
        error = e;
      }
      expect((error as HubError).code).toBe('CONFIG_ERROR');
      expect((error as HubError).message).toContain(expected);
      expect((error as HubError).message).not.toContain(ADMIN);
    }
  });
});

describe('authenticate', () => {
  const auth = createTokenAuthenticator(parseTokens(TEXT));

  it('returns null for a missing, malformed, wrong, truncated or extended token', () => {
    for (const header of [
      undefined,
      '',
      ADMIN,
      `Basic ${ADMIN}`,
      `Bearer`,
      `Bearer `,
      `Bearer ${ADMIN.slice(0, -1)}`,
      `Bearer ${ADMIN}x`,
      `Bearer ${ADMIN.toUpperCase()}`,
      `Bearer ${ADMIN} ${VIEWER}`,
      `Bearer ${'x'.repeat(10_000)}`,
    ]) {
      expect(auth.authenticate(header)).toBeNull();
    }
  });

  it('extracts only a well-formed bearer token', () => {
    expect(bearerToken(`Bearer  ${ADMIN}  `)).toBe(ADMIN);
    expect(bearerToken(`Bearer ${ADMIN}\n`)).toBeNull();
    expect(bearerToken('Bearer é')).toBeNull();
  });

  it('makes tokens that the file accepts', () => {
    const token = generateToken();
    expect(token.length).toBeGreaterThanOrEqual(MIN_TOKEN_LENGTH);
    expect(createTokenAuthenticator(parseTokens(`me operator ${token}`)).authenticate(`Bearer ${token}`)).toEqual({ name: 'me', role: 'operator' });
    expect(generateToken()).not.toBe(token);
  });
});
