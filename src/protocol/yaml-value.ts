/** Front-matter values written by the hub: plain when YAML reads them back unchanged, else JSON-quoted. */
import { HubError, ErrorCodes } from '../errors.js';
import { parseYaml } from './front-matter.js';

/**
 * Plain scalars some YAML reader takes for something other than text: YAML 1.1 booleans
 * (yes/no/on/off/y/n) and null, numbers of any base or with `_`, dates, `.inf`/`.nan`, the merge
 * key `<<` and the value key `=`. gray-matter reads some of these as text, other tools do not,
 * so they are always quoted: a file the hub writes reads the same everywhere.
 */
const AMBIGUOUS_PLAIN = new RegExp(
  [
    '^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$',
    '^(?:null|Null|NULL|~|)$',
    '^[-+]?(?:\\.[0-9]|[0-9])[0-9_.:eExXoObBa-fA-F+-]*$',
    '^[-+]?\\.(?:inf|Inf|INF|nan|NaN|NAN)$',
    '^\\d{4}-\\d{1,2}-\\d{1,2}',
    '^(?:<<|=)$',
  ].join('|'),
);

export function yamlScalar(value: string, field: string): string {
  if (/^[A-Za-z0-9_][^\n\r:#'"{}[\],&*!|>%@`]*$/.test(value) && !/\s$/.test(value) && !AMBIGUOUS_PLAIN.test(value) && readsBackAs(value, value)) return value;
  const quoted = JSON.stringify(value);
  if (readsBackAs(quoted, value)) return quoted;
  throw new HubError(ErrorCodes.INVALID_ARGUMENT, `The value of "${field}" cannot be written as YAML; remove control characters from it.`, { data: { field } });
}

export function yamlList(values: readonly string[]): string {
  return `[${values.join(', ')}]`;
}

function readsBackAs(written: string, expected: string): boolean {
  const parsed = parseYaml(`v: ${written}`);
  if (!parsed.ok) return false;
  const value = (parsed.data as { v?: unknown }).v;
  return typeof value === 'string' && value === expected;
}
