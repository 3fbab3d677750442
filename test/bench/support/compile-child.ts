import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ts from 'typescript';

const repoRoot = path.resolve(import.meta.dirname, '../../..');
/** Inside node_modules: ignored by git and the tools, and bare imports resolve from the repo. */
const outRoot = path.join(repoRoot, 'node_modules/.cache/junction-bench');

/**
 * Compiles a bench child script and the TypeScript files it imports (relative imports, followed
 * recursively) to plain ES modules (`.mjs`), so that the child runs on Node alone: under a
 * TypeScript loader its memory would include the loader's (about 50 MB). Types are only
 * stripped; `npm run typecheck` checks them. Returns the compiled script's path.
 */
export async function compileChild(script: string): Promise<string> {
  const done = new Set<string>();
  const compile = async (source: string): Promise<void> => {
    if (done.has(source)) return;
    done.add(source);
    const text = await readFile(source, 'utf8');
    const relative: string[] = [];
    const output = ts
      .transpileModule(text, {
        compilerOptions: {
          module: ts.ModuleKind.ESNext,
          target: ts.ScriptTarget.ES2022,
          verbatimModuleSyntax: false,
        },
        fileName: source,
      })
      // Relative `./x.js` imports name TypeScript sources: compiled next to this file as `.mjs`.
      .outputText.replace(
        /(from\s+|import\s*\()(['"])(\.{1,2}\/[^'"]+)\.js\2/g,
        (_, lead, q, spec) => {
          relative.push(spec);
          return `${lead}${q}${spec}.mjs${q}`;
        },
      );
    const target = outPath(source);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, output);
    for (const spec of relative) await compile(path.resolve(path.dirname(source), `${spec}.ts`));
  };
  await compile(script);
  return outPath(script);
}

function outPath(source: string): string {
  return path.join(outRoot, path.relative(repoRoot, source)).replace(/\.ts$/, '.mjs');
}
