/**
 * The Claude Code releases the hub is tested against (docs/compatibility.md). package.json pins
 * exactly these two as devDependencies, and the real-agent suite runs on both; a test checks
 * that the pins and these constants agree. A release outside the range is allowed — a warning,
 * never a failure — because people run whatever `npm install -g` gave them.
 */

export const TESTED_RELEASES = { oldest: '2.1.197', current: '2.1.332' } as const;

/** Numeric comparison of `a.b.c` versions (missing parts count as 0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

export interface Compatibility {
  readonly status: 'tested' | 'between' | 'newer' | 'older';
  /** One sentence for doctor and the serve log. */
  readonly message: string;
}

export function compatibilityOf(version: string): Compatibility {
  const { oldest, current } = TESTED_RELEASES;
  if (version === oldest || version === current) return { status: 'tested', message: `Claude Code ${version} is a tested release (${oldest} and ${current}).` };
  if (compareVersions(version, oldest) < 0) {
    return {
      status: 'older',
      message: `Claude Code ${version} is older than the oldest tested release (${oldest}); agents may not start or report. Update it: npm install -g @anthropic-ai/claude-code@latest.`,
    };
  }
  if (compareVersions(version, current) > 0) {
    return {
      status: 'newer',
      message: `Claude Code ${version} is newer than the newest tested release (${current}); it should work (the hub reads screens by structure and asks the release what it accepts). If agents get stuck, report it with \`claude-hub doctor\`'s output, or install ${current}.`,
    };
  }
  return { status: 'between', message: `Claude Code ${version} is within the tested range (${oldest} … ${current}).` };
}
