import type { Credentials } from './auth.js';
import type { FieldSet, InferFields } from './field.js';
import type { RunContext, SettingsOf } from './run-context.js';
import type { PollOutcome, WaitRequest } from './wait.js';

/**
 * What an action does to the target system; the engine uses it for retries and record links.
 *
 * @example
 * ```ts
 * const kind: ActionKind = 'upsert';
 * ```
 */
export type ActionKind = 'create' | 'update' | 'upsert' | 'delete' | 'search' | 'custom';

/**
 * A declared action: input and output fields, a sample output, and `run`.
 *
 * @example
 * ```ts
 * const actions: ActionDefinition[] = [createContact, updateContact];
 * ```
 */
export interface ActionDefinition<
  I extends FieldSet = FieldSet,
  O extends FieldSet = FieldSet,
  S extends FieldSet = FieldSet,
> {
  /** Lowercase kebab-case, unique among the connector's actions. */
  readonly key: string;
  readonly name: string;
  readonly description: string;
  readonly kind: ActionKind;
  /**
   * Running it twice with the same input has the effect of running it once. Junction re-sends an
   * idempotent action whose outcome is unknown (a crash or a timeout after sending); it never
   * re-sends a non-idempotent one by itself: the run waits for an operator's decision.
   */
  readonly idempotent: boolean;
  /**
   * For an action declared `idempotent: false`: the calls that are idempotent all the same, by
   * their input or connection (the API is told to deduplicate by `ctx.idempotencyKey`, or the
   * connection keeps an idempotency ledger, see `createSqlLedger`).
   *
   * @example
   * ```ts
   * idempotentWhen: ({ credentials }) => credentials.idempotencyLedger === true,
   * ```
   */
  idempotentWhen?(call: {
    readonly input: InferFields<I>;
    readonly credentials: Credentials;
  }): boolean;
  /**
   * How long one call with this input may take, in ms, when that is longer than the engine's
   * default step timeout (30 s), e.g. a timeout the input sets. The engine gives the step that
   * long, up to its documented maximum (15 minutes), unless the integration's step sets its own
   * `timeoutMs`.
   *
   * @example
   * ```ts
   * timeoutMs: (input) => (input.timeoutMs ?? 30_000) + 5_000,
   * ```
   */
  timeoutMs?(input: InferFields<I>): number;
  /**
   * For actions whose calls may take seconds to minutes (a model's answer, a report being built):
   * when a call has not answered after `afterMs`, the engine parks the run (`waiting`) and frees
   * its worker while the call goes on; the call's answer (or failure) then settles the step, as a
   * callback would. Its deadline is the step's timeout: if the process stops meanwhile, an
   * idempotent action is called again, a non-idempotent one waits for an operator's decision.
   * Since contract 1.8; engines before it await the call as any other.
   *
   * @example
   * ```ts
   * detach: { afterMs: 1000 },
   * ```
   */
  readonly detach?: { readonly afterMs: number };
  /** For `upsert`: the input field that identifies the record in the target. */
  readonly upsertKey?: keyof I & string;
  /**
   * Settings an integration gives this action (fixed per step, unlike `input`); checked and
   * defaulted before `run`, read as `ctx.settings`.
   */
  readonly settings?: S;
  readonly input: I;
  readonly output: O;
  /** A realistic output, checked against `output`. */
  readonly sample: InferFields<O>;
  /**
   * Called with input already checked against `input`. Returns the output, or `ctx.wait(...)` to
   * park the run until a callback, a poll (`poll` below) or the deadline settles the step.
   */
  run(ctx: RunContext<SettingsOf<S>>, input: InferFields<I>): Promise<InferFields<O> | WaitRequest>;
  /**
   * For actions that wait with a poll schedule: asks whether the work started by `run` is done.
   * Called every `poll.everySeconds` with the state given to `ctx.wait` (or the last one returned).
   */
  poll?(ctx: RunContext<SettingsOf<S>>, state: unknown): Promise<PollOutcome<InferFields<O>>>;
  /**
   * Reads the target's current record that `input` would write, in the shape of `input` (only
   * the fields it would write), or `null` when there is none. Optional: with it, a reviewer sees a
   * diff between the current record and the proposed write.
   */
  current?(
    ctx: RunContext<SettingsOf<S>>,
    input: InferFields<I>,
  ): Promise<Record<string, unknown> | null>;
}

/**
 * Declares an action; `run`'s `input` is typed from `input` (no casts), and its result must
 * match `output`. Put one action per file.
 *
 * @example
 * ```ts
 * export const createContact = defineAction({
 *   key: 'create-contact', name: 'Create contact', description: 'Adds a contact',
 *   kind: 'create', idempotent: false,
 *   input: { email: field.string({ format: 'email' }), name: field.string({ required: false }) },
 *   output: { id: field.string() },
 *   sample: { id: 'c_1' },
 *   async run(ctx, input) {
 *     return ctx.http.post<{ id: string }>('/contacts', { email: input.email, name: input.name });
 *   },
 * });
 * ```
 */
export function defineAction<
  const I extends FieldSet,
  const O extends FieldSet,
  const S extends FieldSet = FieldSet,
>(definition: ActionDefinition<I, O, S>): ActionDefinition<I, O, S> {
  return definition;
}
