/**
 * `claude-hub audit verify` checks the audit log's hash chain (exit 0 when intact, 1 naming
 * the first bad line); `claude-hub audit log [--session S] [--agent A] [--since T] [--json]`
 * prints it. Both read the log only: they never repair or append.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { defaultStateDir } from '../config.js';
import { isHubError } from '../errors.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CommandIo } from './command-io.js';
import { AUDIT_FILE, readAuditFile, verifyAuditFile, type AuditEntry, type AuditFilter } from '../store/audit-log.js';

const USAGE = `usage: claude-hub audit verify [--state-dir DIR]
       claude-hub audit log [--session S] [--agent A] [--since ISO-TIME] [--json] [--state-dir DIR]

verify  checks the hash chain of the audit log; exit 1 names the first broken line
log     shows the entries readably (or as JSON lines), filtered by session, agent or time
`;

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
  const stateDir = values['state-dir'] ?? defaultStateDir(io.env ?? process.env);
  const path = join(stateDir, AUDIT_FILE);
  try {
    if (sub === 'verify') {
      let result = await verifyAuditFile(path);
      // A running hub may be mid-append: a torn last line gets one more look before it is reported.
      if (!result.ok && result.brokenAt?.reason.startsWith('torn last line')) {
        await new Promise((r) => setTimeout(r, 250));
        result = await verifyAuditFile(path);
      }
      if (result.ok) {
        io.stdout.write(`audit log ok: ${result.entries} entries, chain intact (${path})\n`);
        return EXIT_OK;
      }
      const broken = result.brokenAt;
      io.stdout.write(`AUDIT_BROKEN: ${path} line ${broken?.line ?? '?'}: ${broken?.reason ?? 'broken'} (${result.entries} entries verified before it)\n`);
      return EXIT_FAILED;
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
