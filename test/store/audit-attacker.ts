/**
 * The attacker the anchor is for: someone who can write audit.jsonl but has no key. They edit
 * one entry and recompute every hash from there on, so the chain verifies again.
 */
import { entryHash, type AuditEntry } from '../../src/store/audit-log.js';
import { canonicalJson } from '../../src/store/canonical-json.js';

/** Edits the entry on line `index` (0-based) with `edit`, then re-chains it and every later line. */
export function recomputeChain(lines: readonly string[], index: number, edit: (entry: AuditEntry) => AuditEntry): string[] {
  const out: string[] = [];
  let prev: string | null = null;
  lines.forEach((line, i) => {
    if (i < index) {
      out.push(line);
      prev = (JSON.parse(line) as AuditEntry).hash;
      return;
    }
    const parsed = JSON.parse(line) as AuditEntry;
    const { hash: _old, ...body } = i === index ? edit(parsed) : parsed;
    const rechained = { ...body, prev: prev ?? body.prev };
    const hash = entryHash(rechained);
    out.push(canonicalJson({ ...rechained, hash }));
    prev = hash;
  });
  return out;
}
