/**
 * The screen reader at work on a live terminal: a reading that waits out a redraw, and answering
 * a menu by moving its pointer and confirming, checking the screen after each step. The only
 * keys ever sent are arrows, Enter and (for a numbered menu whose pointer scrolled away) one
 * digit, and only while the screen shows the menu being answered.
 */
import { HubError, ErrorCodes } from '../errors.js';
import type { TerminalBackend, TerminalHandle } from '../terminal/backend.js';
import { sleep } from '../sleep.js';
import { readScreen, sameReading, type Choice, type MenuReading, type ScreenReading } from './read.js';
import { nextKeys, resolveChoice } from './choose.js';

export interface LiveTerminal {
  readonly backend: TerminalBackend;
  readonly handle: TerminalHandle;
}

/**
 * Reads until two readings in a row agree (a screen mid-redraw reads differently each time), at
 * most `reads` times; `reads: 1` is one look (what typing asks: a half-drawn screen reads as not
 * ready, which only delays).
 */
export async function readStable(
  terminal: LiveTerminal,
  options: { readonly reads?: number; readonly gapMs?: number; readonly first?: ScreenReading } = {},
): Promise<ScreenReading> {
  const reads = Math.max(1, options.reads ?? 4);
  let last = options.first ?? readScreen((await terminal.backend.readScreen(terminal.handle)).text);
  if (reads === 1) return last;
  for (let i = 1; i < reads; i++) {
    await sleep(options.gapMs ?? 50);
    const next = readScreen((await terminal.backend.readScreen(terminal.handle)).text);
    if (sameReading(last, next)) return next;
    last = next;
  }
  return last;
}

/** One look: no menu or press-Enter page in front of the prompt box (what typing asks when nothing better can say the box is ready). */
export async function noDialogShown(terminal: LiveTerminal): Promise<boolean> {
  const state = readScreen((await terminal.backend.readScreen(terminal.handle)).text).state;
  return state !== 'menu' && state !== 'press_enter';
}

export interface Answered {
  readonly menu: MenuReading | { readonly state: 'press_enter'; readonly question: string };
  readonly choice: Choice;
  /** The screen once the dialog went away. */
  readonly after: ScreenReading;
}

const isSameMenu = (a: MenuReading, b: ScreenReading): b is MenuReading =>
  b.state === 'menu' && b.question === a.question && b.choices.length === a.choices.length && b.choices.every((c, i) => c.label === a.choices[i]?.label);

function screenOf(reading: ScreenReading): string {
  if (reading.state === 'unknown') return reading.lastLines.join('\n');
  if (reading.state === 'menu')
    return `${reading.question}\n${reading.choices.map((c) => `${c.number === reading.selected ? '❯' : ' '} ${c.number}. ${c.label}`).join('\n')}`;
  return reading.state === 'ready' ? `(prompt box: ${JSON.stringify(reading.draft)})` : reading.question;
}

/**
 * Answers the dialog on `terminal` with `choice` (a number or a label). Throws NO_PROMPT when no
 * dialog is up (nothing typed), INVALID_ARGUMENT for a choice that is not offered (nothing
 * typed), AGENT_EXITED when the terminal dies meanwhile, TIMEOUT when the dialog is still there
 * after the answer (with the screen it shows).
 */
export async function answerDialog(
  terminal: LiveTerminal,
  choice: string,
  options: { readonly settleMs?: number; readonly label?: string } = {},
): Promise<Answered> {
  const who = options.label ?? 'The agent';
  const alive = async (): Promise<void> => {
    if (!(await terminal.backend.isAlive(terminal.handle))) throw new HubError(ErrorCodes.AGENT_EXITED, `${who} exited while its dialog was being answered.`);
  };
  const first = await readStable(terminal);
  if (first.state === 'press_enter') {
    const only: Choice = { number: 1, label: 'Continue' };
    resolveChoice({ question: first.question, choices: [only] }, choice);
    await terminal.backend.sendKeys(terminal.handle, ['Enter']);
    return { menu: first, choice: only, after: await waitGone(terminal, (r) => r.state === 'press_enter', options.settleMs) };
  }
  if (first.state !== 'menu') {
    throw new HubError(ErrorCodes.NO_PROMPT, `${who} is not at a dialog right now; nothing was typed. Its screen: ${screenOf(first)}`, {
      data: { screen: screenOf(first) },
    });
  }
  const target = resolveChoice(first, choice);
  let reading: ScreenReading = first;
  for (let step = 0; step < first.choices.length + 2; step++) {
    await alive();
    if (!isSameMenu(first, reading)) {
      throw new HubError(
        ErrorCodes.NO_PROMPT,
        `${who}'s dialog changed while it was being answered; nothing was confirmed. Its screen now: ${screenOf(reading)}`,
        { data: { screen: screenOf(reading) } },
      );
    }
    const next = nextKeys(reading, target);
    if (next.kind === 'impossible') {
      throw new HubError(ErrorCodes.NO_PROMPT, `${who}'s dialog cannot be answered safely: ${next.reason}. Answer it in the terminal.`, {
        data: { screen: screenOf(reading) },
      });
    }
    if (next.kind === 'confirm') {
      await terminal.backend.sendKeys(terminal.handle, next.keys);
      break;
    }
    // One key, then the screen must show it taken before the next is chosen: a loaded machine
    // shows a stale pointer for a while, and keys chosen from it would overshoot (menus wrap).
    await terminal.backend.sendKeys(terminal.handle, next.kind === 'move' ? [next.keys[0] ?? 'Down'] : next.keys);
    reading = await untilMoved(terminal, reading, who, options.settleMs);
    // A digit picks and confirms at once in some releases; in others it only moves the pointer.
    if (next.kind === 'digit' && !isSameMenu(first, reading)) return { menu: first, choice: target, after: reading };
  }
  // The same question still up counts as the dialog, whatever its labels show meanwhile (2.1.197
  // redraws the trust dialog with "✔" on the chosen label before it moves on).
  const after = await waitGone(terminal, (r) => r.state === 'menu' && r.question === first.question, options.settleMs);
  await alive().catch(() => undefined);
  return { menu: first, choice: target, after };
}

/** How long a dialog may take to show a key's effect: generous, a loaded machine is slow to redraw. */
const DIALOG_SETTLE_MS = 10_000;

/** Waits (bounded) until the menu's pointer moved, or the menu changed or went; throws TIMEOUT (nothing confirmed) if it stays put. */
async function untilMoved(terminal: LiveTerminal, before: ScreenReading, who: string, settleMs = DIALOG_SETTLE_MS): Promise<ScreenReading> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const reading = await readStable(terminal);
    const still = before.state === 'menu' && isSameMenu(before, reading) && reading.selected === before.selected;
    if (!still) return reading;
    if (Date.now() >= deadline) {
      throw new HubError(
        ErrorCodes.TIMEOUT,
        `${who}'s dialog did not take the key within ${settleMs / 1000} s; nothing was confirmed. Its screen: ${screenOf(reading)}`,
        {
          data: { screen: screenOf(reading) },
        },
      );
    }
    await sleep(50);
  }
}

/** Waits (bounded) for the dialog to leave the screen; throws TIMEOUT with the screen if it stays. */
async function waitGone(terminal: LiveTerminal, stillThere: (r: ScreenReading) => boolean, settleMs = DIALOG_SETTLE_MS): Promise<ScreenReading> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const reading = await readStable(terminal);
    if (!stillThere(reading)) return reading;
    if (Date.now() >= deadline) {
      throw new HubError(ErrorCodes.TIMEOUT, `The dialog is still on screen after the answer: ${screenOf(reading)}`, { data: { screen: screenOf(reading) } });
    }
    await sleep(100);
  }
}
