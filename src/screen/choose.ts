/**
 * PURE: which choice of a menu a person meant, and the next keys that move toward it. A choice
 * is named by its number, or by its label: exact first (case-insensitive, with or without the
 * detail line shown under it), then a unique prefix. Moving is by arrow keys from where the
 * pointer is, so numbered and unnumbered menus are answered alike; a digit is used only when a
 * numbered menu's pointer is scrolled off screen, and nothing at all when neither is possible.
 */
import { HubError, ErrorCodes } from '../errors.js';
import type { Choice, MenuReading } from './read.js';

export function resolveChoice(menu: Pick<MenuReading, 'question' | 'choices'>, wanted: string): Choice {
  const text = wanted.trim();
  const lower = text.toLowerCase();
  const full = (c: Choice): string => (c.detail ? `${c.label} ${c.detail}` : c.label).toLowerCase();
  const byNumber = /^\d+$/.test(text) ? menu.choices.find((c) => c.number === Number(text)) : undefined;
  const exact = menu.choices.find((c) => c.label.toLowerCase() === lower) ?? menu.choices.find((c) => full(c) === lower);
  const prefixed = lower === '' ? [] : menu.choices.filter((c) => c.label.toLowerCase().startsWith(lower) || full(c).startsWith(lower));
  const picked = byNumber ?? exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
  if (picked) return picked;
  const listed = menu.choices.map((c) => `${c.number}. ${c.label}`).join('; ');
  const why = prefixed.length > 1 ? `matches ${prefixed.length} choices` : 'is not one of the choices';
  throw new HubError(
    ErrorCodes.INVALID_ARGUMENT,
    `${JSON.stringify(wanted)} ${why} of "${menu.question}": ${listed}. Answer with a number or a label; nothing was typed.`,
    {
      data: { choices: menu.choices, choice: wanted },
    },
  );
}

export type NextKeys =
  | { readonly kind: 'move'; readonly keys: readonly string[] }
  | { readonly kind: 'confirm'; readonly keys: readonly ['Enter'] }
  | { readonly kind: 'digit'; readonly keys: readonly [string] }
  | { readonly kind: 'impossible'; readonly reason: string };

/** The keys that bring `menu`'s pointer one step closer to `target`, or confirm it there. */
export function nextKeys(menu: MenuReading, target: Choice): NextKeys {
  if (menu.selected === null) {
    if (menu.numbered && target.number <= 9) return { kind: 'digit', keys: [String(target.number)] };
    return { kind: 'impossible', reason: "the menu's pointer is not on screen, so the hub cannot tell which arrow keys reach that choice" };
  }
  const from = menu.choices.findIndex((c) => c.number === menu.selected);
  const to = menu.choices.findIndex((c) => c.number === target.number);
  if (from < 0 || to < 0) return { kind: 'impossible', reason: 'that choice is not on screen any more' };
  if (from === to) return { kind: 'confirm', keys: ['Enter'] };
  const key = to > from ? 'Down' : 'Up';
  return { kind: 'move', keys: Array.from({ length: Math.abs(to - from) }, () => key) };
}
