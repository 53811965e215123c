/**
 * Everything the hub knows about what Claude Code draws, in one place, with the releases each
 * entry was checked against. Claude Code ships about a release a day and rewords its screens,
 * so the hub decides from STRUCTURE whether the prompt box is the active element (a pointer
 * line between two rules) or something stands in front of it (a choice list: a pointer with
 * siblings at one label column, numbered or not). Wording is used only to NAME what structure
 * found (a trust dialog, a permission prompt), never to decide whether it is there.
 *
 * To check a new release: run the real-agent suite against it (`npm run test:claude`); a
 * changed screen shows up as a failing structure test, and the fix goes here.
 */
import type { PendingPrompt } from '../hub/types.js';

/** The releases every entry below was seen on (docs/compatibility.md). */
export const CHECKED_AGAINST = ['2.1.197', '2.1.332'] as const;

/**
 * Pointers: `❯` marks the prompt box and the selected choice of a menu (2.1.197, 2.1.332);
 * `›` and `>` are older and plain-terminal fallbacks.
 */
export const POINTER_CHARS = '❯›>';

/**
 * A rule: a line of box-drawing dashes. The prompt box sits between two (2.1.197, 2.1.332);
 * dialogs use them as separators (the permission prompt, AskUserQuestion). A rule may carry a
 * title: `-n Agent_1` puts `──── Agent_1 ──` on the box's top rule (2.1.197; `──── Agent_1 ─` in 2.1.332).
 */
export const RULE_LINE = /^\s*[─━═╌┄┈╍-]{3,}(?:.{1,80}?[─━═╌┄┈╍-])?\s*$/u;
/** A rule is mostly dashes: at least this many of them, and at least half of the line. */
export const RULE_MIN_DASHES = 12;
const DASH = /[─━═╌┄┈╍-]/gu;

export function isRuleText(text: string): boolean {
  if (!RULE_LINE.test(text)) return false;
  const trimmed = text.trim();
  const dashes = trimmed.match(DASH)?.length ?? 0;
  return dashes >= RULE_MIN_DASHES && dashes * 2 >= [...trimmed].length;
}

/**
 * Hints printed under a dialog: "Enter to confirm · Esc to cancel" (trust, 2.1.197 and
 * 2.1.332), "Esc to cancel · Tab to amend" (permission, 2.1.197), "Enter to select · ↑/↓ to
 * navigate · Esc to cancel" (AskUserQuestion, both). Below the prompt box they mean the box
 * is not what keys go to, even if no choice list could be read.
 */
export const DIALOG_FOOTER = /\b(?:Enter to (?:confirm|select|continue)|Esc to (?:cancel|go back|exit)|Tab to amend)\b|↑\/↓/i;

/** A scrolled list's "↑ 3 more" / "↓ 2 more" line: part of the list, not a choice (menus with many choices). */
export const SCROLL_HINT = /^[↑↓]\s/u;

/** A page that waits for Enter (onboarding notes, 2.1.197). */
export const PRESS_ENTER = /\bPress Enter to continue\b/i;

/** A numbered choice label: `1. Yes` (2.1.197 everywhere; 2.1.332 AskUserQuestion and settings errors). */
export const NUMBERED_LABEL = /^(\d{1,2})[.)]\s+(\S.*)$/u;

/** How many non-empty lines may follow a dialog's choices (footer hints, a separated last choice). */
export const MAX_LINES_BELOW_MENU = 6;

/** How many lines above the choices belong to the dialog's text (question, context). */
export const MAX_QUESTION_LINES = 14;

type Kind = PendingPrompt['kind'];

/**
 * Names for dialogs, tried in order against the dialog's text; the first match names it.
 * A dialog that matches none is still a dialog (kind `question`), read and answered alike.
 */
export const DIALOG_NAMES: readonly { readonly kind: Kind; readonly pattern: RegExp; readonly seen: string }[] = [
  // "Is this a project you created or one you trust?" (2.1.197, 2.1.332); older: "Do you trust the files in this folder?"
  { kind: 'trust', pattern: /project you created or one you trust\?|Do you trust the files in this folder\?/i, seen: '2.1.197, 2.1.332' },
  { kind: 'api_key', pattern: /Do you want to use this API key\?/i, seen: '2.1.197' },
  { kind: 'onboarding', pattern: /Choose the text style|Select login method/i, seen: '2.1.197' },
  // "Do you want to make this edit to TODO.md?", "Do you want to proceed?" (2.1.197, 2.1.332)
  { kind: 'permission', pattern: /Do you want to [^\n?]*\?/i, seen: '2.1.197, 2.1.332' },
];

/**
 * The choice that trusts the folder, for `create_session {trust_root: true}` only:
 * "Yes, I trust this folder" (2.1.197 numbered first; 2.1.332 unnumbered second, "No, exit"
 * preselected). Never a choice that starts with No.
 */
export const TRUST_ACCEPT_LABEL = /\btrust\b/i;
export const NEGATIVE_LABEL = /^\s*no\b/i;
