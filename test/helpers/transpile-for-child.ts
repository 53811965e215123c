/**
 * For crash tests whose child runs plain `node`: writes the given src/ modules, and every src/
 * module they import, transpiled to ESM under `into` (no bundling: the same code the hub runs),
 * with a package.json and node_modules so the child can import them.
 */
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export async function transpileForChild(entries: readonly string[], into: string): Promise<void> {
  const pending = [...entries];
  const done = new Set<string>();
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (done.has(file)) continue;
    done.add(file);
    const source = await readFile(join(projectRoot, file), 'utf8');
    for (const { fileName } of ts.preProcessFile(source).importedFiles) {
      if (fileName.startsWith('.')) pending.push(join(dirname(file), fileName).replace(/\.js$/, '.ts'));
    }
    const output = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
      fileName: file,
    }).outputText;
    const out = join(into, file.replace(/\.ts$/, '.js'));
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, output);
  }
  await writeFile(join(into, 'package.json'), '{"type":"module"}\n');
  await symlink(join(projectRoot, 'node_modules'), join(into, 'node_modules'));
}
