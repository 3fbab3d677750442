import type { ConnectorDefinition, EgressRules } from '@junction/connector-kit';
import { PluginError, type PluginErrorKind } from '@junction/registry';
import { definitionFromDescriptor } from './definition-descriptor.js';
import { type HostSpec, startHostProcess } from './start-host-process.js';

const KINDS = new Set<string>(['load-failed', 'invalid-definition']);

/**
 * Imports a plugin's connector in a one-off host and answers the engine's view of its
 * definition (data, with stand-ins for its functions); the host checked it with
 * `validateConnector` where its functions are. Plugin code never runs in Junction's process.
 * A plugin that does not answer within `timeoutMs`, exits or throws at import fails with a
 * `PluginError` (kind `load-failed` or `invalid-definition`).
 */
export function loadInHost(
  spec: HostSpec,
  egress: EgressRules,
  timeoutMs: number,
  maxMessageBytes?: number,
): Promise<ConnectorDefinition> {
  return new Promise((resolve, reject) => {
    const host = startHostProcess(spec, 'load', egress, maxMessageBytes);
    const fail = (kind: string, message: string) => {
      clearTimeout(timer);
      host.kill();
      reject(new PluginError((KINDS.has(kind) ? kind : 'load-failed') as PluginErrorKind, message));
    };
    const timer = setTimeout(
      () => fail('load-failed', `Loading the plugin in its host took longer than ${timeoutMs} ms.`),
      timeoutMs,
    );
    host.onMessage((message) => {
      if (message.type === 'loaded') {
        clearTimeout(timer);
        host.kill();
        try {
          resolve(definitionFromDescriptor(message.descriptor, spec.label));
        } catch (error) {
          reject(new PluginError('invalid-definition', (error as Error).message));
        }
      } else if (message.type === 'load-failed') {
        fail(message.kind, message.message);
      }
    });
    host.onExit((how) => fail('load-failed', `The plugin's host ${how} while loading it.`));
  });
}
