/**
 * Recognises, from screen text, a dialog a real Claude Code is stopped at (trust this folder,
 * use this API key, onboarding, permission prompts), and turns a person's choice into the keys
 * that answer it. Hooks are the truth about an agent's state; the screen is a fallback for the
 * dialogs that come before any hook fires. Every screen pattern lives here, in one place,
 * because Claude Code's wording changes between versions (checked against 2.1.197).
 */
import { HubError, ErrorCodes } from '../errors.js';
import type { PendingPrompt } from '../hub/types.js';

type Kind = PendingPrompt['kind'];

/** Tried in order; the first whose pattern appears in the dialog wins. */
export const DIALOG_PATTERNS: readonly { readonly kind: Kind; readonly pattern: RegExp; readonly question: string | null }[] = [
  { kind: 'trust', pattern: /Is this a project you created or one you trust\?|Do you trust the files in this folder\?/i, question: 'Do you trust the files in this folder?' },
  { kind: 'api_key', pattern: /Do you want to use this API key\?/i, question: 'Do you want to use this API key?' },
  { kind: 'onboarding', pattern: /Choose the text style that looks best with your terminal/i, question: 'Choose the text style that looks best with your terminal' },
  { kind: 'onboarding', pattern: /Select login method/i, question: 'Select login method' },
  { kind: 'permission', pattern: /Do you want to [^\n?]*\?/i, question: null },
];

// `❯ 1. Yes` / `  2. No, exit` (the pointer marks the preselected choice).
const CHOICE_LINE = /^\s*(?:[❯›>]\s*)?(\d{1,2})\.\s+(\S.*?)\s*$/u;

export interface DetectedDialog extends PendingPrompt {
  /** The preselected choice (where the ❯ pointer is), if visible. */
  readonly selected: number | null;
}

/**
 * The dialog at the bottom of the screen, or null. A dialog is a run of consecutive numbered
 * choices (1, 2, …) below a line with a question mark.
 */
/** Screens with no choices that wait for Enter (e.g. the onboarding's security notes). */
export const PRESS_ENTER_PATTERN = /Press Enter to continue/i;
const PRESS_ENTER_QUESTION = 'Press Enter to continue';

export function detectDialog(screen: string, now: Date = new Date()): DetectedDialog | null {
  const lines = screen.split('\n');
  const lastLines = lines.filter((line) => line.trim() !== '').slice(-3).join('\n');
  if (PRESS_ENTER_PATTERN.test(lastLines)) {
    return { kind: 'onboarding', question: PRESS_ENTER_QUESTION, choices: [{ number: 1, label: 'Continue' }], since: now.toISOString(), selected: 1 };
  }
  // Find the last block of numbered choices that starts at 1.
  let end = -1;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (CHOICE_LINE.test(lines[i] ?? '')) {
      end = i;
      break;
    }
  }
  if (end < 0) return null;
  let start = end;
  while (start > 0 && CHOICE_LINE.test(lines[start - 1] ?? '')) start--;
  const choices: { number: number; label: string }[] = [];
  let selected: number | null = null;
  for (const line of lines.slice(start, end + 1)) {
    const match = CHOICE_LINE.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const number = Number(match[1]);
    choices.push({ number, label: match[2] });
    if (/^\s*[❯›>]/u.test(line)) selected = number;
  }
  if (choices[0]?.number !== 1 || choices.some((c, i) => c.number !== i + 1)) return null;
  const above = lines.slice(Math.max(0, start - 12), start);
  const context = above.join('\n');
  const known = DIALOG_PATTERNS.find((p) => p.pattern.test(context));
  const questionLine = [...above].reverse().find((line) => line.includes('?'))?.trim() ?? null;
  if (!known && questionLine === null) return null;
  const matched = known ? known.pattern.exec(context)?.[0] ?? null : null;
  const question = known?.question ?? matched ?? questionLine ?? '';
  return {
    kind: known?.kind ?? 'question',
    question: question.trim(),
    choices,
    since: now.toISOString(),
    selected,
  };
}

/**
 * Keys that pick `choice` (its number, or its label, case-insensitive) in `prompt`. Claude
 * Code's menus select and confirm on the digit alone, so the answer is one key.
 */
export function answerKeys(prompt: PendingPrompt, choice: string): { keys: string[]; choice: { number: number; label: string } } {
  const wanted = choice.trim();
  const byNumber = /^\d+$/.test(wanted) ? prompt.choices.find((c) => c.number === Number(wanted)) : undefined;
  const lower = wanted.toLowerCase();
  const byLabel =
    prompt.choices.find((c) => c.label.toLowerCase() === lower) ??
    uniqueOrUndefined(prompt.choices.filter((c) => lower.length > 0 && c.label.toLowerCase().startsWith(lower)));
  const picked = byNumber ?? byLabel;
  if (!picked) {
    const listed = prompt.choices.map((c) => `${c.number}. ${c.label}`).join('; ');
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `${JSON.stringify(choice)} is not one of the choices of "${prompt.question}": ${listed}. Answer with a number or a label.`, {
      data: { choices: prompt.choices, choice },
    });
  }
  // A press-Enter screen has one choice and no digit to press.
  const keys = prompt.question === PRESS_ENTER_QUESTION ? ['Enter'] : [String(picked.number)];
  return { keys, choice: { number: picked.number, label: picked.label } };
}

function uniqueOrUndefined<T>(items: readonly T[]): T | undefined {
  return items.length === 1 ? items[0] : undefined;
}
