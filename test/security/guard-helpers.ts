/** Runs the real guard script (perl) the way Claude Code does: one JSON object on stdin. */
import { exec } from '../../src/exec.js';
import { defaultGuardPath } from '../../src/security/guard.js';

export interface GuardAnswer {
  readonly exitCode: number | null;
  /** null: no opinion (the call goes on); otherwise the deny reason. */
  readonly denied: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const GUARD = defaultGuardPath();

export function preToolUse(tool: string, input: Record<string, unknown>, cwd: string): string {
  return JSON.stringify({
    session_id: '6f1c2a9e-0000-4000-8000-000000000001',
    transcript_path: '/nonexistent/transcript.jsonl',
    cwd,
    permission_mode: 'default',
    hook_event_name: 'PreToolUse',
    tool_name: tool,
    tool_input: input,
  });
}

export function parseAnswer(exitCode: number | null, stdout: string, stderr: string): GuardAnswer {
  if (stdout.trim() === '') return { exitCode, denied: null, stdout, stderr };
  const out = JSON.parse(stdout) as { hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string } };
  if (out.hookSpecificOutput.hookEventName !== 'PreToolUse' || out.hookSpecificOutput.permissionDecision !== 'deny') {
    throw new Error(`unexpected guard answer: ${stdout}`);
  }
  return { exitCode, denied: out.hookSpecificOutput.permissionDecisionReason, stdout, stderr };
}

export async function runGuard(stdin: string | Buffer, args: readonly string[], env: Record<string, string> = {}): Promise<GuardAnswer> {
  const result = await exec('perl', [GUARD, ...args], {
    input: stdin,
    env: { PATH: '/usr/bin:/bin', HOME: '/nonexistent-home', ...env },
    allowFailure: true,
    timeoutMs: 20_000,
  });
  return parseAnswer(result.exitCode, result.stdout, result.stderr);
}
