/** The watcher's options, normalised once into a frozen object with every default filled in. */
import { MAX_PROTOCOL_FILE_BYTES } from '../protocol/types.js';
import { HubError, ErrorCodes } from '../errors.js';
import { silentLogger, type Logger } from '../log.js';

export interface WatcherOptions {
  /** Cheap stat-based rescan that repairs missed events; 0 turns it off. Default 30 s. */
  readonly rescanIntervalMs?: number;
  /** Reads of one file before settling on the last one. Default 6. */
  readonly maxSettleReads?: number;
  /** Pause before re-reading a file that is missing or empty (editors delete, then create). Default 50 ms. */
  readonly absentGraceMs?: number;
  /** A file that had content and reads empty is read again this much later before it counts as emptied. Default 500 ms. */
  readonly emptiedGraceMs?: number;
  /**
   * After an event, one stat check this much later: chokidar drops events that follow another
   * on the same path within its 50 ms throttle window (leading edge only), so the last write of
   * a burst would otherwise wait for the rescan. Default 75 ms.
   */
  readonly trailingCheckMs?: number;
  /** How long an announced own write is remembered. Default 10 s. */
  readonly ownWriteTtlMs?: number;
  readonly maxFileBytes?: number;
  readonly logger?: Logger;
}

export type NormalisedWatcherOptions = Readonly<Required<WatcherOptions>>;

function nonNegativeInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) {
    throw new HubError(ErrorCodes.INVALID_ARGUMENT, `Watcher option ${name} must be a non-negative integer, got ${value}.`, { data: { name, value } });
  }
  return value;
}

export function normaliseWatcherOptions(options: WatcherOptions = {}): NormalisedWatcherOptions {
  return Object.freeze({
    rescanIntervalMs: nonNegativeInteger('rescanIntervalMs', options.rescanIntervalMs ?? 30_000),
    maxSettleReads: Math.max(2, nonNegativeInteger('maxSettleReads', options.maxSettleReads ?? 6)),
    absentGraceMs: nonNegativeInteger('absentGraceMs', options.absentGraceMs ?? 50),
    emptiedGraceMs: nonNegativeInteger('emptiedGraceMs', options.emptiedGraceMs ?? 500),
    trailingCheckMs: nonNegativeInteger('trailingCheckMs', options.trailingCheckMs ?? 75),
    ownWriteTtlMs: nonNegativeInteger('ownWriteTtlMs', options.ownWriteTtlMs ?? 10_000),
    maxFileBytes: nonNegativeInteger('maxFileBytes', options.maxFileBytes ?? MAX_PROTOCOL_FILE_BYTES),
    logger: options.logger ?? silentLogger,
  });
}
