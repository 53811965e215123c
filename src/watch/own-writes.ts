/**
 * The hub's own writes, announced before they land (P's `updateProtocolFile` calls
 * `beforeWrite(path, hash)` just before its rename). When the watcher later settles that path
 * on that exact hash, it knows the change came from the hub. Entries expire, so a write that
 * never landed (a lost compare-and-swap) cannot mask a person's identical edit forever.
 */
import { createHash } from 'node:crypto';

export interface OwnWriteMark {
  /** True when the hub nudges the agents for this write itself: routing must stay quiet. */
  readonly routed: boolean;
  /**
   * With `routed`: stay quiet only for these agents. A person's edit that landed in between
   * (and that the hub's compare-and-swap re-applied its edit on top of) may address others,
   * and those must still be nudged. Omitted: quiet for everyone.
   */
  readonly onlyFor?: readonly string[];
}

interface Entry {
  readonly mark: OwnWriteMark;
  readonly hash: string;
  readonly expiresAt: number;
}

const MAX_PER_PATH = 16;
const ALGORITHM_BY_HEX_LENGTH: Readonly<Record<number, string>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

export class OwnWrites {
  readonly #byPath = new Map<string, Entry[]>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs: number, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  expect(path: string, hash: string, mark: OwnWriteMark): void {
    const now = this.#now();
    const live = (this.#byPath.get(path) ?? []).filter((e) => e.expiresAt > now && e.hash !== hash);
    live.push({ hash, mark, expiresAt: now + this.#ttlMs });
    this.#byPath.set(path, live.slice(-MAX_PER_PATH));
  }

  /**
   * Consumes the mark for this content of `path` if the hub announced it; null when it did not.
   * The announced hash may be md5, sha1 or sha256 hex (whatever the writer used): the content
   * is hashed with the algorithm its length names.
   */
  take(path: string, content: string): OwnWriteMark | null {
    const entries = this.#byPath.get(path);
    if (!entries) return null;
    const now = this.#now();
    const hashes = new Map<number, string>();
    const hashOf = (length: number): string | null => {
      const algorithm = ALGORITHM_BY_HEX_LENGTH[length];
      if (!algorithm) return null;
      const cached = hashes.get(length);
      if (cached !== undefined) return cached;
      const digest = createHash(algorithm).update(content).digest('hex');
      hashes.set(length, digest);
      return digest;
    };
    const index = entries.findIndex((e) => e.expiresAt > now && hashOf(e.hash.length) === e.hash.toLowerCase());
    const found = index >= 0 ? entries[index] : undefined;
    const rest = entries.filter((e, i) => i !== index && e.expiresAt > now);
    if (rest.length === 0) this.#byPath.delete(path);
    else this.#byPath.set(path, rest);
    return found ? found.mark : null;
  }

  forgetUnder(prefix: string): void {
    for (const path of [...this.#byPath.keys()]) if (path.startsWith(prefix)) this.#byPath.delete(path);
  }
}
