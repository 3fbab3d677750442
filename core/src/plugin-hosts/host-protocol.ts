import type { ConnectionInfo, Credentials, EgressRules, LogEntry } from '@junction/connector-kit';
import type { Operation } from '../executor/operation.js';
import type { DefinitionDescriptor } from './definition-descriptor.js';

/**
 * The messages between Junction and a plugin host, as frames over a socket pair (structured
 * clone, see host-channel.ts). The first message is `init`; in `load` mode the host answers `loaded` (or
 * `load-failed`) and exits, in `serve` mode it answers `ready` and then serves calls.
 */
export type ToHost =
  | {
      readonly type: 'init';
      readonly mode: 'load' | 'serve';
      /** Absolute path of the plugin's connector entry. */
      readonly entry: string;
      /** Appended to the entry's URL (a re-installed version is imported afresh). */
      readonly importTag?: string;
      readonly egress: EgressRules;
      /** The largest message the host may send; a larger one is replaced by `oversized`. */
      readonly maxMessageBytes: number;
    }
  | {
      readonly type: 'call';
      readonly id: number;
      readonly operation: Operation;
      /** Only the credentials of the connection this call uses. */
      readonly credentials: Credentials;
      readonly connection: ConnectionInfo;
      readonly idempotencyKey: string;
      readonly settings?: Readonly<Record<string, unknown>>;
      readonly resumeUrl?: string;
      /** Present when the egress rules changed since the host last heard them. */
      readonly egress?: EgressRules;
    }
  | { readonly type: 'abort'; readonly id: number; readonly message: string }
  | { readonly type: 'ping'; readonly id: number }
  | {
      readonly type: 'state-result';
      readonly request: number;
      readonly ok: boolean;
      readonly value?: unknown;
      readonly message?: string;
    };

/** A connector error as it crosses the boundary (`ConnectorError#toJSON` and its typed fields). */
export interface ErrorJson {
  readonly kind: string;
  readonly name?: string;
  readonly message: string;
  readonly status?: number;
  readonly retryAt?: string;
  readonly problems?: unknown;
  readonly rule?: string;
}

export type FromHost =
  | { readonly type: 'loaded'; readonly descriptor: DefinitionDescriptor }
  | { readonly type: 'ready' }
  | { readonly type: 'load-failed'; readonly kind: string; readonly message: string }
  | {
      readonly type: 'result';
      readonly id: number;
      readonly ok: boolean;
      readonly output?: unknown;
      readonly error?: ErrorJson;
    }
  | { readonly type: 'pong'; readonly id: number }
  /** A message of `call` that was over the limit (said by the host, or by Junction's reader). */
  | { readonly type: 'oversized'; readonly call: number; readonly bytes: number }
  | { readonly type: 'log'; readonly call: number; readonly entry: LogEntry }
  | {
      readonly type: 'state';
      readonly call: number;
      readonly request: number;
      readonly op: 'get' | 'set' | 'delete';
      readonly key: string;
      readonly value?: unknown;
    };
