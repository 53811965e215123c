/** What a command gets instead of touching process globals: its streams and environment. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Exit codes of every command: 0 done, 1 failed or something required is missing, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
