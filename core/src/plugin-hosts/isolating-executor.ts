import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { HostPool } from './host-pool.js';

/**
 * The executor the engine uses: a connector with `isolated` set (every installed plugin unless an
 * operator trusted its version) runs in a host process of its version; a trusted one runs in this
 * process through `inProcess`.
 *
 * @example
 * ```ts
 * const executor = createRedactingExecutor(createIsolatingExecutor({ pool, memoryMb: 512, inProcess }));
 * ```
 */
export function createIsolatingExecutor(options: {
  readonly pool: HostPool;
  readonly memoryMb: number;
  readonly inProcess: PluginExecutor;
}): PluginExecutor {
  return {
    execute(request) {
      const { connector } = request;
      if (!connector.isolated) return options.inProcess.execute(request);
      return options.pool.execute(
        {
          label: `${connector.id}@${connector.version}`,
          dir: connector.isolated.dir,
          entry: connector.isolated.entry,
          ...(connector.isolated.importTag ? { importTag: connector.isolated.importTag } : {}),
          memoryMb: options.memoryMb,
        },
        request,
      );
    },
  };
}
