/**
 * Whether a UserPromptSubmit prompt carries a queued message: the text exactly (once a release's
 * paste wrapper is taken off), its delivery id, or — when a person's draft went in with it —
 * the text contained in the prompt. Pure.
 */
import type { DeliveryEntry } from './delivery-types.js';

/**
 * Whitespace-insensitive comparison: the TUI may trim or re-flow what was pasted. Invisible
 * format characters (zero-width, BOM, soft hyphen: Unicode Cf) do not count either: a release
 * may drop them from what it submits.
 */
export function normalize(text: string): string {
  return text
    .replace(/\p{Cf}/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Long enough that finding it inside a larger prompt cannot be chance. */
const MIN_CONTAINED_LENGTH = 24;

/**
 * The text a person pasted, out of the wrapper some releases put around a paste in the prompt
 * they submit (2.1.332: `\n\n<pasted_content id="4b55">\n…\n</pasted_content id="4b55">` for
 * some pastes; 2.1.197: none). Anything else comes back as it is.
 */
export function unwrapPastedContent(prompt: string): string {
  const match = /^\s*<pasted_content id="([^"]*)">\n([\s\S]*)\n<\/pasted_content id="\1">\s*$/.exec(prompt);
  return match ? (match[2] ?? '') : prompt;
}

/**
 * Does this UserPromptSubmit prompt carry the entry? Exactly (once a release's paste wrapper is
 * taken off), or — when text a person left in the prompt box was submitted together with ours —
 * contained in it.
 */
export function confirms(submitted: string, entry: Pick<DeliveryEntry, 'text' | 'deliveryId'>): boolean {
  const prompt = unwrapPastedContent(submitted);
  if (prompt === entry.text || prompt.includes(entry.deliveryId)) return true;
  const want = normalize(entry.text);
  if (want.length === 0) return false;
  const got = normalize(prompt);
  return got === want || (want.length >= MIN_CONTAINED_LENGTH && got.includes(want));
}
