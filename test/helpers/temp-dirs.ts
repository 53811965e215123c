/** Temp dirs (real paths, so they compare equal to what the code under test resolves) made by one test file and removed together after it. */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function tempDirs(): { make(prefix: string): Promise<string>; removeAll(): Promise<void> } {
  const dirs: string[] = [];
  return {
    async make(prefix) {
      const dir = await realpath(await mkdtemp(join(tmpdir(), prefix)));
      dirs.push(dir);
      return dir;
    },
    async removeAll() {
      for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
    },
  };
}
