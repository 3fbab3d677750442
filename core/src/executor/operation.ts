import type { SubscriptionData, WebhookRequest } from '@junction/connector-kit';
import type { RecordCall } from './record-call.js';

/** One call into plugin code. */
export type Operation =
  | { readonly kind: 'action'; readonly action: string; readonly input: unknown }
  | { readonly kind: 'action-poll'; readonly action: string; readonly state: unknown }
  | { readonly kind: 'action-current'; readonly action: string; readonly input: unknown }
  | {
      /** One of the action's engine-side hooks for this call, run where its code is. */
      readonly kind: 'action-hook';
      readonly action: string;
      readonly hook: 'timeoutMs' | 'idempotentWhen';
      readonly input: unknown;
    }
  | { readonly kind: 'test' }
  | { readonly kind: 'record'; readonly recordType: string; readonly call: RecordCall }
  | { readonly kind: 'poll'; readonly trigger: string; readonly cursor: string | null }
  | { readonly kind: 'webhook'; readonly trigger: string; readonly request: WebhookRequest }
  | { readonly kind: 'subscribe'; readonly trigger: string; readonly webhookUrl: string }
  | {
      readonly kind: 'unsubscribe';
      readonly trigger: string;
      readonly subscription: SubscriptionData;
    };
