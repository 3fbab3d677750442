import { isContractSupported } from '../contract-version.js';
import { type DefinitionProblem, validateConnector } from '../validate-connector.js';
import { type LoadedPlugin, loadPlugin } from './load-plugin.js';

/**
 * Every problem of a loaded plugin: the connector's own, plus package.json disagreements.
 *
 * @example
 * ```ts
 * const problems = pluginProblems(await loadPlugin('.'));
 * ```
 */
export function pluginProblems(plugin: LoadedPlugin): DefinitionProblem[] {
  const problems = validateConnector(plugin.connector);
  const declared = plugin.pkg.junction?.contract;
  if (declared === undefined) {
    problems.push({ path: 'package.json#/junction/contract', message: 'contract is missing' });
  } else if (!isContractSupported(declared)) {
    problems.push({
      path: 'package.json#/junction/contract',
      message: `contract "${declared}" is not supported by this kit`,
    });
  }
  if (plugin.pkg.version !== plugin.connector.version) {
    problems.push({
      path: '/version',
      message: `connector version ${plugin.connector.version} differs from package.json version ${plugin.pkg.version}`,
    });
  }
  return problems;
}

/**
 * `junction-kit validate [dir]`: prints every problem; resolves to the exit code (1 if any).
 *
 * @example
 * ```ts
 * process.exitCode = await validateCommand('.', console.log);
 * ```
 */
export async function validateCommand(dir: string, print: (line: string) => void): Promise<number> {
  const plugin = await loadPlugin(dir);
  const problems = pluginProblems(plugin);
  if (problems.length === 0) {
    print(`${plugin.connector.id}@${plugin.connector.version} is valid.`);
    return 0;
  }
  for (const p of problems) print(`${p.path || '/'}: ${p.message}`);
  print(`${problems.length} problem${problems.length === 1 ? '' : 's'} found.`);
  return 1;
}
