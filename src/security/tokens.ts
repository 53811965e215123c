/**
 * HTTP bearer tokens → roles. The tokens file is plain text, one token per line:
 *
 *     # name     role      token
 *     laptop     admin     6cQx2…(at least 32 characters)
 *     dashboard  viewer    Zb81f…
 *
 * Blank lines and lines starting with `#` are ignored; fields are separated by white space;
 * tokens are printable ASCII without spaces, at least 32 characters (`claude-hub` can make one:
 * `generateToken()`). The file must be private to its owner (mode 0600 or stricter), because
 * anyone who can read it can act as every name in it.
 *
 * Only SHA-256 digests of the tokens are kept in memory, and a presented token is compared with
 * every entry's digest by `timingSafeEqual`: the time taken depends neither on where the first
 * differing character is, nor on the token's length, nor on which entry matched.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { HubError, ErrorCodes } from '../errors.js';
import { isRole, ROLES, type Role } from './levels.js';

export const MIN_TOKEN_LENGTH = 32;
const MAX_TOKEN_LENGTH = 512;
const MAX_TOKENS_FILE_BYTES = 1024 * 1024;
const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.@-]{0,63}$/;
const TOKEN_PATTERN = /^[\x21-\x7E]+$/;

export interface Principal {
  readonly name: string;
  readonly role: Role;
}

export interface TokenEntry extends Principal {
  readonly digest: Buffer;
}

export interface TokenAuthenticator {
  /** Who presented `Authorization: Bearer <token>`, or null for a missing, malformed or unknown token. */
  authenticate(header: string | undefined): Principal | null;
  readonly size: number;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

function configError(file: string, message: string, data: Record<string, unknown> = {}): HubError {
  return new HubError(ErrorCodes.CONFIG_ERROR, `tokens file ${file}: ${message}`, { data: { file, ...data } });
}

/** Parses the file's text (pure). Throws CONFIG_ERROR naming the line at fault, never echoing a token. */
export function parseTokens(text: string, file = '(tokens)'): TokenEntry[] {
  const entries: TokenEntry[] = [];
  const names = new Set<string>();
  const digests: Buffer[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const fields = trimmed.split(/[ \t]+/);
    if (fields.length !== 3) {
      throw configError(file, `line ${line} has ${fields.length} fields; write "name role token" (role: ${ROLES.join(', ')}).`, { line });
    }
    const [name, role, token] = fields as [string, string, string];
    if (!NAME_PATTERN.test(name)) throw configError(file, `line ${line}: "${name.slice(0, 64)}" is not a valid name (letters, digits, _ . @ -).`, { line });
    if (!isRole(role)) throw configError(file, `line ${line}: role "${role.slice(0, 32)}" is unknown; use one of ${ROLES.join(', ')}.`, { line });
    if (token.length < MIN_TOKEN_LENGTH || token.length > MAX_TOKEN_LENGTH || !TOKEN_PATTERN.test(token)) {
      throw configError(
        file,
        `line ${line}: the token for "${name}" must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} printable ASCII characters; make one with: node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"`,
        { line },
      );
    }
    if (names.has(name)) throw configError(file, `line ${line}: the name "${name}" appears twice; names must be unique.`, { line });
    const d = digest(token);
    if (digests.some((other) => timingSafeEqual(other, d)))
      throw configError(file, `line ${line}: the token for "${name}" is also used by another line; tokens must be unique.`, { line });
    names.add(name);
    digests.push(d);
    entries.push({ name, role, digest: d });
  });
  return entries;
}

/** The `Bearer` token of an Authorization header, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length > MAX_TOKEN_LENGTH + 64) return null;
  const match = /^Bearer[ \t]+([\x21-\x7E]+)[ \t]*$/i.exec(header);
  return match?.[1] ?? null;
}

export function createTokenAuthenticator(entries: readonly TokenEntry[]): TokenAuthenticator {
  const table = entries.map((e) => Object.freeze({ ...e, digest: Buffer.from(e.digest) }));
  return Object.freeze({
    size: table.length,
    authenticate(header: string | undefined): Principal | null {
      const token = bearerToken(header);
      // Hash even when there is no token, so a missing token costs the same as a wrong one.
      const presented = digest(token ?? '');
      let found: Principal | null = null;
      for (const entry of table) {
        // Every entry is compared; no early exit that would tell which line matched.
        if (timingSafeEqual(entry.digest, presented) && token !== null) found = { name: entry.name, role: entry.role };
      }
      return found;
    },
  });
}

/**
 * Loads the tokens file. CONFIG_ERROR when it is missing, too large, readable or writable by
 * group/others (with the chmod that fixes it), owned by another user, or malformed.
 */
export async function loadTokensFile(file: string, platform: NodeJS.Platform = process.platform): Promise<TokenAuthenticator> {
  let info;
  try {
    info = await stat(file);
  } catch (error) {
    throw configError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); create it with lines "name role token" and chmod 600 it.`);
  }
  if (!info.isFile()) throw configError(file, 'is not a regular file.');
  if (info.size > MAX_TOKENS_FILE_BYTES) throw configError(file, `is larger than ${MAX_TOKENS_FILE_BYTES} bytes; it should hold a few lines.`);
  // Windows has no POSIX modes; there the file's ACL is the user's business.
  if (platform !== 'win32') {
    if ((info.mode & 0o077) !== 0) {
      throw configError(
        file,
        `is accessible by group or others (mode ${(info.mode & 0o777).toString(8).padStart(3, '0')}); anyone who can read it can use its tokens. Run: chmod 600 '${file.replace(/'/g, `'\\''`)}'`,
        { mode: info.mode & 0o777 },
      );
    }
    const uid = process.getuid?.();
    if (uid !== undefined && info.uid !== uid) {
      throw configError(file, `is owned by uid ${info.uid}, not by the user running claude-hub (uid ${uid}); chown it to yourself.`, { uid: info.uid });
    }
  }
  const text = await readFile(file, 'utf8');
  const entries = parseTokens(text, file);
  if (entries.length === 0) throw configError(file, 'holds no tokens; add lines "name role token".');
  return createTokenAuthenticator(entries);
}

/** A fresh random token (256 bits, base64url: 43 characters). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}
