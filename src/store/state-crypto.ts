/**
 * The encrypted envelope of the state file: AES-256-GCM with a fresh 12-byte IV per write.
 * Layout (all of the header is authenticated as additional data):
 *
 *   magic "CHUBSTAT" (8) | format version (1) | key id (8) | iv (12) | tag (16) | ciphertext
 *
 * The key id (a fingerprint of the key, not the key) tells a wrong key apart from a tampered
 * file: a different id is STATE_KEY; the right id with a failing tag is STATE_CORRUPT.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { HubError, ErrorCodes } from '../errors.js';

const MAGIC = Buffer.from('CHUBSTAT', 'ascii');
const FORMAT_VERSION = 1;
const KEY_ID_BYTES = 8;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES;
export const ENVELOPE_OVERHEAD = HEADER_BYTES + IV_BYTES + TAG_BYTES;

export const KEY_BYTES = 32;

/** A fingerprint that identifies a key without revealing it (hex, 16 chars). */
export function keyId(key: Buffer): string {
  return createHash('sha256').update('claude-hub/state-key/v1\0').update(key).digest().subarray(0, KEY_ID_BYTES).toString('hex');
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) {
    throw new HubError(ErrorCodes.STATE_KEY, `The state key must be ${KEY_BYTES} bytes, got ${key.length}.`);
  }
}

export function seal(plaintext: Buffer, key: Buffer): Buffer {
  assertKey(key);
  const header = Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION]), Buffer.from(keyId(key), 'hex')]);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(header);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

/** Decrypts an envelope; throws STATE_CORRUPT (damaged/tampered) or STATE_KEY (other key). */
export function open(envelope: Buffer, key: Buffer, label = 'the state file'): Buffer {
  assertKey(key);
  if (envelope.length < ENVELOPE_OVERHEAD) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `${label} is truncated (${envelope.length} bytes, shorter than its header).`, {
      data: { bytes: envelope.length },
    });
  }
  if (!envelope.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `${label} is not a claude-hub state file (bad magic bytes).`);
  }
  const version = envelope[MAGIC.length];
  if (version !== FORMAT_VERSION) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `${label} has envelope format ${String(version)}, this claude-hub reads ${FORMAT_VERSION}.`);
  }
  const header = envelope.subarray(0, HEADER_BYTES);
  const fileKeyId = envelope.subarray(MAGIC.length + 1, HEADER_BYTES).toString('hex');
  const expected = keyId(key);
  if (fileKeyId !== expected) {
    throw new HubError(
      ErrorCodes.STATE_KEY,
      `${label} was encrypted with another key (key id ${fileKeyId}, current key ${expected}). ` +
        'Set CLAUDE_HUB_KEY (or restore the key file / keychain entry) to the key it was written with.',
      { data: { fileKeyId, keyId: expected } },
    );
  }
  const iv = envelope.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
  const tag = envelope.subarray(HEADER_BYTES + IV_BYTES, ENVELOPE_OVERHEAD);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(header);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(envelope.subarray(ENVELOPE_OVERHEAD)), decipher.final()]);
  } catch (error) {
    throw new HubError(ErrorCodes.STATE_CORRUPT, `${label} failed authentication: it was modified, truncated or damaged.`, {
      cause: error,
    });
  }
}
