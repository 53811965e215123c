/**
 * `claude-hub audit verify` checks the audit log's hash chain and, when the state key is
 * available (found as `serve` finds it), its keyed anchor: exit 0 when intact (notes say what
 * was not checked, or that entries follow the last anchor), 1 naming the first bad line or
 * what the anchor shows (entries removed at the end, the log rewritten, the anchor forged or
 * deleted). `claude-hub audit log [--session S] [--agent A] [--since T] [--json]` prints the
 * log. Both only read: they never repair, append or create a key.
 */
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { defaultStateDir } from '../config.js';
import { ErrorCodes, isHubError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CommandIo } from './command-io.js';
import { AUDIT_FILE, readAuditFile, verifyAuditTrail, type AuditEntry, type AuditFilter, type AuditTrailReport } from '../store/audit-log.js';
import { anchorCheckOk, describeAnchorCheck } from '../store/audit-anchor.js';
import { decodeRawKey, deriveAuditKey, resolveKey, SALT_FILE } from '../store/state-key.js';

const USAGE = `usage: claude-hub audit verify [--state-dir DIR]
       claude-hub audit log [--session S] [--agent A] [--since ISO-TIME] [--json] [--state-dir DIR]

verify  checks the hash chain of the audit log and, with the state key (CLAUDE_HUB_KEY, the
        keychain or the key file, as for serve), its signed anchor; exit 1 names the first
        broken line, or says what the anchor shows (e.g. entries removed at the end)
log     shows the entries readably (or as JSON lines), filtered by session, agent or time
`;

const WITHOUT_KEY = 'without it, entries removed from the end of the log, or a line edited and the chain recomputed after it, cannot be detected';

/** The audit key, resolved read-only the way `serve` resolves the state key; or why there is none. */
async function auditKeyFor(stateDir: string, env: NodeJS.ProcessEnv): Promise<{ readonly auditKey: Buffer } | { readonly unchecked: string }> {
  const value = env.CLAUDE_HUB_KEY;
  // A passphrase needs the hub's salt; without it the hub never ran with this passphrase here (and verify must not create one).
  if (value !== undefined && value !== '' && decodeRawKey(value) === null && !(await stat(join(stateDir, SALT_FILE)).then(() => true, () => false))) {
    return { unchecked: `CLAUDE_HUB_KEY is a passphrase but ${join(stateDir, SALT_FILE)} does not exist, so it is not the key the hub ran with here; ${WITHOUT_KEY}` };
  }
  try {
    const resolved = await resolveKey({ dir: stateDir, env, source: { kind: 'auto', create: false } });
    return { auditKey: deriveAuditKey(resolved.key) };
  } catch (error) {
    if (isHubError(error) && error.code === ErrorCodes.STATE_KEY) return { unchecked: `no usable state key (${error.message.replace(/\.$/, '')}); ${WITHOUT_KEY}` };
    throw error;
  }
}

/** The verify report as lines and an exit code. Pure. */
export function formatVerifyReport(report: AuditTrailReport): { readonly text: string; readonly code: number } {
  const { chain, anchor } = report;
  const lines: string[] = [];
  const anchorOk = anchorCheckOk(anchor);
  if (chain.ok) {
    const anchored = anchor.state === 'match' && anchor.seq > 0 ? `, anchored at entry ${anchor.seq}` : anchor.state === 'ahead' ? `, anchored at entry ${anchor.anchoredSeq}` : '';
    if (anchorOk) lines.push(`audit log ok: ${chain.entries} entries, chain intact${anchored} (${report.logPath})`);
  } else {
    const broken = chain.brokenAt;
    lines.push(`AUDIT_BROKEN: ${report.logPath} line ${broken?.line ?? '?'}: ${broken?.reason ?? 'broken'} (${chain.entries} entries verified before it)`);
  }
  if (!anchorOk) {
    lines.push(`AUDIT_BROKEN: ${report.anchorPath}: ${describeAnchorCheck(anchor)}${chain.ok ? ` (the chain itself is intact: ${chain.entries} entries)` : ''}`);
  } else if (anchor.state === 'ahead' || anchor.state === 'unchecked') {
    lines.push(`note: ${describeAnchorCheck(anchor)}`);
  }
  for (const entry of report.incidents) lines.push(`note: entry #${entry.seq} (${entry.ts}) records an anchor problem the hub found when it started: ${entry.detail ?? entry.outcome}`);
  return { text: lines.map((line) => `${line}\n`).join(''), code: chain.ok && anchorOk ? EXIT_OK : EXIT_FAILED };
}

/** One readable line per entry. Pure. */
export function formatEntry(entry: AuditEntry): string {
  const where = [entry.session !== undefined ? `session=${entry.session}` : null, entry.agent !== undefined ? `agent=${entry.agent}` : null]
    .filter((part) => part !== null)
    .join(' ');
  const what = entry.tool !== undefined ? `${entry.kind} ${entry.tool}` : entry.kind;
  const params = entry.paramsDigest !== undefined ? ` params=${entry.paramsDigest.slice(0, 19)}` : '';
  const detail = entry.detail !== undefined ? ` — ${entry.detail}` : '';
  return `#${entry.seq} ${entry.ts} ${entry.actor} ${what} → ${entry.outcome}${where ? ` (${where})` : ''}${params}${detail}`;
}

export async function auditCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  // `audit --help` (or -h) before any subcommand is a request for help, not a subcommand.
  if (argv[0] === '--help' || argv[0] === '-h') {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const [sub, ...rest] = argv;
  let values: { 'state-dir'?: string | undefined; session?: string | undefined; agent?: string | undefined; since?: string | undefined; json?: boolean | undefined; help?: boolean | undefined };
  try {
    values = parseArgs({
      args: [...rest],
      options: {
        'state-dir': { type: 'string' },
        session: { type: 'string' },
        agent: { type: 'string' },
        since: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    io.stderr.write(`INVALID_ARGUMENT: ${(error as Error).message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help || sub === undefined || sub === 'help') {
    (sub === undefined ? io.stderr : io.stdout).write(USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const env = io.env ?? process.env;
  const stateDir = values['state-dir'] ?? defaultStateDir(env);
  const path = join(stateDir, AUDIT_FILE);
  try {
    if (sub === 'verify') {
      const key = await auditKeyFor(stateDir, env);
      let report = await verifyAuditTrail(stateDir, key);
      // A running hub may be mid-append: a torn last line gets one more look before it is reported.
      if (!report.chain.ok && report.chain.brokenAt?.reason.startsWith('torn last line')) {
        await new Promise((r) => setTimeout(r, 250));
        report = await verifyAuditTrail(stateDir, key);
      }
      const { text, code } = formatVerifyReport(report);
      io.stdout.write(text);
      return code;
    }
    if (sub === 'log') {
      if (values.since !== undefined && Number.isNaN(new Date(values.since).getTime())) {
        io.stderr.write(`INVALID_ARGUMENT: --since ${JSON.stringify(values.since)} is not a date/time (use ISO 8601, e.g. 2026-01-31T12:00:00Z)\n`);
        return EXIT_USAGE;
      }
      const filter: AuditFilter = {
        ...(values.session !== undefined ? { session: values.session } : {}),
        ...(values.agent !== undefined ? { agent: values.agent } : {}),
        ...(values.since !== undefined ? { since: values.since } : {}),
      };
      const entries = await readAuditFile(path, filter);
      for (const entry of entries) io.stdout.write((values.json ? JSON.stringify(entry) : formatEntry(entry)) + '\n');
      if (!values.json && entries.length === 0) io.stderr.write(`no audit entries${filter.session || filter.agent || filter.since ? ' match' : ''} (${path})\n`);
      return EXIT_OK;
    }
  } catch (error) {
    io.stderr.write(isHubError(error) ? `${error.code}: ${error.message}\n` : `INTERNAL: ${String(error)}\n`);
    return EXIT_FAILED;
  }
  io.stderr.write(`INVALID_ARGUMENT: unknown audit command ${JSON.stringify(sub)}\n${USAGE}`);
  return EXIT_USAGE;
}
