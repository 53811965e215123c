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
import { resolveStateDir, type StateDirSource } from '../config.js';
import { ErrorCodes, HubError, isHubError, toHubError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, STATE_DIR_OPTION, commandHelp, type CommandIo } from './command-io.js';
import { PREVIOUS_FILE, STATE_FILE } from '../store/state-store.js';
import { ANCHOR_FILE } from '../store/audit-anchor.js';
import { AUDIT_FILE, readAuditFile, verifyAuditTrail, type AuditEntry, type AuditFilter, type AuditTrailReport } from '../store/audit-log.js';
import { anchorCheckOk, describeAnchorCheck } from '../store/audit-anchor.js';
import { decodeRawKey, deriveAuditKey, resolveKey, SALT_FILE } from '../store/state-key.js';

const USAGE = commandHelp(
  ['claude-hub audit verify [--state-dir DIR]', 'claude-hub audit log [--session S] [--agent A] [--since ISO-TIME] [--json] [--state-dir DIR]'],
  `verify  checks the hash chain of the audit log and, with the state key (CLAUDE_HUB_KEY, the
        keychain or the key file, as for serve), its signed anchor; exit 1 names the first
        broken line, or says what the anchor shows (e.g. entries removed at the end)
log     shows the entries readably (or as JSON lines), filtered by session, agent or time
Both read the log of the state dir serve uses; a missing log is an error, never "0 entries".`,
  [
    ['--session S', 'log: only entries of session S'],
    ['--agent A', 'log: only entries of agent A'],
    ['--since ISO-TIME', 'log: only entries at or after this time (e.g. 2026-01-31T12:00:00Z)'],
    ['--json', 'log: one JSON entry per line'],
    STATE_DIR_OPTION,
  ],
);

/**
 * The audit log of the state dir, or why it cannot be read: INVALID_PATH (exit 2) when the
 * dir is not a hub's state dir at all (likely the wrong one), AUDIT_BROKEN (exit 1) when the
 * hub's state is there but its log is gone.
 */
async function requireAuditLog(stateDir: string, source: StateDirSource): Promise<HubError | null> {
  const from = source === 'default' ? 'the default state dir' : `from ${source}`;
  const hint = 'give the state dir serve uses (--state-dir DIR or CLAUDE_HUB_STATE_DIR)';
  const exists = async (name: string): Promise<boolean> => (await stat(join(stateDir, name)).catch(() => null)) !== null;
  const dir = await stat(stateDir).catch(() => null);
  if (dir === null || !dir.isDirectory()) {
    return new HubError(ErrorCodes.INVALID_PATH, `${stateDir} (${from}) is ${dir === null ? 'not there' : 'not a folder'}: no hub has run with it; ${hint}.`, {
      data: { stateDir, source },
    });
  }
  if (await exists(AUDIT_FILE)) return null;
  const evidence = (await Promise.all([STATE_FILE, PREVIOUS_FILE, ANCHOR_FILE].map(async (name) => ((await exists(name)) ? name : null)))).filter(
    (n) => n !== null,
  );
  if (evidence.length > 0) {
    return new HubError(
      ErrorCodes.AUDIT_BROKEN,
      `${join(stateDir, AUDIT_FILE)} is missing, though ${stateDir} holds the hub's ${evidence.join(' and ')}: the log was deleted or moved. Restore it from a backup; nothing can be verified without it.`,
      { data: { stateDir, source, evidence } },
    );
  }
  return new HubError(ErrorCodes.INVALID_PATH, `${stateDir} (${from}) has no audit log and no hub state: the hub has recorded nothing here; ${hint}.`, {
    data: { stateDir, source },
  });
}

const WITHOUT_KEY = 'without it, entries removed from the end of the log, or a line edited and the chain recomputed after it, cannot be detected';

/** The audit key, resolved read-only the way `serve` resolves the state key; or why there is none. */
async function auditKeyFor(stateDir: string, env: NodeJS.ProcessEnv): Promise<{ readonly auditKey: Buffer } | { readonly unchecked: string }> {
  const value = env.CLAUDE_HUB_KEY;
  // A passphrase needs the hub's salt; without it the hub never ran with this passphrase here (and verify must not create one).
  if (
    value !== undefined &&
    value !== '' &&
    decodeRawKey(value) === null &&
    !(await stat(join(stateDir, SALT_FILE)).then(
      () => true,
      () => false,
    ))
  ) {
    return {
      unchecked: `CLAUDE_HUB_KEY is a passphrase but ${join(stateDir, SALT_FILE)} does not exist, so it is not the key the hub ran with here; ${WITHOUT_KEY}`,
    };
  }
  try {
    const resolved = await resolveKey({ dir: stateDir, env, source: { kind: 'auto', create: false } });
    return { auditKey: deriveAuditKey(resolved.key) };
  } catch (error) {
    if (isHubError(error) && error.code === ErrorCodes.STATE_KEY)
      return { unchecked: `no usable state key (${error.message.replace(/\.$/, '')}); ${WITHOUT_KEY}` };
    throw error;
  }
}

/** The verify report as lines and an exit code. Pure. */
export function formatVerifyReport(report: AuditTrailReport): { readonly text: string; readonly code: number } {
  const { chain, anchor } = report;
  const lines: string[] = [];
  const anchorOk = anchorCheckOk(anchor);
  if (chain.ok) {
    const anchored =
      anchor.state === 'match' && anchor.seq > 0
        ? `, anchored at entry ${anchor.seq}`
        : anchor.state === 'ahead'
          ? `, anchored at entry ${anchor.anchoredSeq}`
          : '';
    if (anchorOk) lines.push(`audit log ok: ${chain.entries} entries, chain intact${anchored} (${report.logPath})`);
  } else {
    const broken = chain.brokenAt;
    lines.push(`AUDIT_BROKEN: ${report.logPath} line ${broken?.line ?? '?'}: ${broken?.reason ?? 'broken'} (${chain.entries} entries verified before it)`);
  }
  if (!anchorOk) {
    lines.push(
      `AUDIT_BROKEN: ${report.anchorPath}: ${describeAnchorCheck(anchor)}${chain.ok ? ` (the chain itself is intact: ${chain.entries} entries)` : ''}`,
    );
  } else if (anchor.state === 'ahead' || anchor.state === 'unchecked') {
    lines.push(`note: ${describeAnchorCheck(anchor)}`);
  }
  for (const entry of report.incidents)
    lines.push(`note: entry #${entry.seq} (${entry.ts}) records an anchor problem the hub found when it started: ${entry.detail ?? entry.outcome}`);
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
  const values = parseAuditFlags(rest, io);
  if (values === null) return EXIT_USAGE;
  if (values.help || sub === undefined || sub === 'help') {
    (sub === undefined ? io.stderr : io.stdout).write(USAGE);
    return sub === undefined ? EXIT_USAGE : EXIT_OK;
  }
  const env = io.env ?? process.env;
  if (sub !== 'verify' && sub !== 'log') {
    io.stderr.write(`INVALID_ARGUMENT: unknown audit command ${JSON.stringify(sub)}\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.since !== undefined && Number.isNaN(new Date(values.since).getTime())) {
    io.stderr.write(`INVALID_ARGUMENT: --since ${JSON.stringify(values.since)} is not a date/time (use ISO 8601, e.g. 2026-01-31T12:00:00Z)\n`);
    return EXIT_USAGE;
  }
  let resolved;
  try {
    resolved = resolveStateDir(values['state-dir'], env, io.cwd ?? process.cwd());
  } catch (error) {
    io.stderr.write(`${toHubError(error).code}: ${toHubError(error).message}\n`);
    return EXIT_USAGE;
  }
  const stateDir = resolved.dir;
  const path = join(stateDir, AUDIT_FILE);
  const missing = await requireAuditLog(stateDir, resolved.source);
  if (missing !== null) {
    io.stderr.write(`${missing.code}: ${missing.message}\n`);
    return missing.code === ErrorCodes.INVALID_PATH ? EXIT_USAGE : EXIT_FAILED;
  }
  try {
    if (sub === 'verify') return await verifyCommand(stateDir, env, io);
    if (sub === 'log') return await logCommand(path, values, io);
  } catch (error) {
    io.stderr.write(isHubError(error) ? `${error.code}: ${error.message}\n` : `INTERNAL: ${String(error)}\n`);
    return EXIT_FAILED;
  }
  return EXIT_USAGE;
}

type AuditFlags = NonNullable<ReturnType<typeof parseAuditFlags>>;

/** The flags after the subcommand; null once a bad one was reported (with the usage). */
function parseAuditFlags(args: readonly string[], io: CommandIo) {
  try {
    return parseArgs({
      args: [...args],
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
    return null;
  }
}

/** `audit verify`: the chain and (with the key) the anchor; the exit code says whether both hold. */
async function verifyCommand(stateDir: string, env: NodeJS.ProcessEnv, io: CommandIo): Promise<number> {
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

/** `audit log`: the entries the filters select, one per line; none is said on stderr (stdout stays parseable). */
async function logCommand(path: string, values: AuditFlags, io: CommandIo): Promise<number> {
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
