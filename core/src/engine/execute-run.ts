import { randomUUID } from 'node:crypto';
import {
  type ConnectorError,
  InvalidInputError,
  isWaitRequest,
  RateLimitedError,
  RetryableError,
  secretValues,
  toConnectorError,
} from '@junction/connector-kit';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { ConnectionRow, ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { Logger } from '../log/create-logger.js';
import { evaluateActionHook } from './action-hook.js';
import { answerWithin } from './answer-within.js';
import { createAttemptEnder } from './attempt-ender.js';
import { defaultRetryPolicy, type RetryPolicy } from './backoff.js';
import { createRunClaimer } from './claim-run.js';
import {
  type CompiledIntegration,
  type CompiledStep,
  selectRoutes,
  truthy,
} from './compile-integration.js';
import type { ConnectionSlot, ConnectionSlots } from './connection-slots.js';
import { type ConnectionLimits, limitsOf, takeToken } from './connection-throttle.js';
import type { DetachedCalls } from './detached-calls.js';
import { type Failure, failureEnd, unknownOutcome } from './failure-end.js';
import { createIntegrationStateStore } from './integration-state-store.js';
import { parkDetached } from './park-detached.js';
import { type ParkingStep, reviewParking, waitParking } from './park-rows.js';
import { createRolloutSteps } from './rollout-steps.js';
import { waitsBehindEarlierRun } from './run-finisher.js';
import type { RunJobPayload } from './run-queue.js';
import { RunParked, StepFailure } from './run-stops.js';
import { resumedWaits } from './settle-wait.js';
import { writesTarget } from './shadow-rows.js';
import { stepTimeoutMs } from './step-timeout.js';
import {
  contentHash,
  createStepLog,
  StaleAttemptError,
  type StepContext,
  type StepLog,
} from './write-step.js';

export interface RunExecutorDeps {
  readonly db: Kysely<Database>;
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly connectors: ConnectorSource;
  readonly executor: PluginExecutor;
  readonly connections: ConnectionStore;
  /** The compiled integration version (see createCompiledIntegrationCache). */
  readonly compile: (
    integrationId: string,
    version: number,
    load: () => Promise<IntegrationDefinition>,
  ) => Promise<CompiledIntegration>;
  /** Reads an integration version's definition (the integration store's). */
  readonly definitionOf: (integrationId: string, version: number) => Promise<IntegrationDefinition>;
  /** A step's timeout when neither the step nor its action sets one (JUNCTION_STEP_TIMEOUT_MS). */
  readonly stepTimeoutMs?: number;
  readonly onStep?: (connector: string, seconds: number, ok: boolean) => void;
  /**
   * The signed resume URL of a wait (`ctx.resumeUrl`); undefined where this process does not know
   * the public URL of the API (a worker without JUNCTION_PUBLIC_URL): its steps cannot wait for a
   * callback then.
   */
  readonly resumeUrl?: (waitId: string) => string | undefined;
  /**
   * Where calls of actions that declare `detach` are carried on once their run parked; without
   * it, such calls are awaited like any other.
   */
  readonly detached?: DetachedCalls;
  /** Bounds the calls in flight per connection (a connection's `concurrency`). */
  readonly slots?: ConnectionSlots;
  /**
   * How long after a shadow run the target is re-read to compare what it holds with what the run
   * would have written (ms; JUNCTION_SHADOW_SETTLE_MS).
   */
  readonly shadowSettleMs?: number;
}

/** Failures that show a request was not carried out: a non-idempotent step may be sent again. */
const notCarriedOut: ReadonlySet<string> = new Set(['rateLimited', 'auth', 'invalidInput']);

/**
 * The `run.execute` task: runs one attempt of one run. Steps that succeeded in an earlier attempt
 * are not run again; their recorded output stands.
 */
export function createRunExecutor(deps: RunExecutorDeps) {
  const { db, logger } = deps;
  // Connection rows change rarely; each is read at most once a second per process.
  const connectionCache = new Map<
    string,
    { row: Promise<ConnectionRow | undefined>; until: number }
  >();
  const connectionOf = (id: string) => {
    const hit = connectionCache.get(id);
    if (hit && hit.until > Date.now()) return hit.row;
    if (connectionCache.size > 1000) connectionCache.clear();
    const row = deps.connections.get(id);
    connectionCache.set(id, { row, until: Date.now() + 1000 });
    row.catch(() => connectionCache.delete(id));
    return row;
  };

  const claimRun = createRunClaimer(deps);
  const { shadowOf, skippedWrites, approvedInput } = createRolloutSteps(deps);
  const endAttempt = createAttemptEnder(deps, logger);

  /** One attempt, for the job `jobId` (graphile-worker's id) with `payload`. */
  return async function executeRun(payload: RunJobPayload, jobId: string): Promise<void> {
    const request = { ...payload, jobId };
    let claimed = await claimRun(request);
    if (!claimed) {
      // Cancelled, finished, a stale job of an earlier attempt, or an earlier run of the same
      // record is unfinished: then it waits behind it (pending, queued again when that one ends).
      if (await waitsBehindEarlierRun(db, payload)) return;
      // The run ahead ended in between: the run is free to go now.
      claimed = await claimRun(request);
      if (!claimed) return;
    }
    const { run, links } = claimed;
    const source = { data: claimed.data };
    const ref = {
      id: run.id,
      integrationId: run.integration_id,
      sourceRecord: run.source_record,
      attempt: run.attempts,
    };
    /** A stale attempt's refused write: logged, never applied; the newer attempt goes on. */
    const refused = (what: string) =>
      logger.warn(
        { runId: run.id, attempt: run.attempts },
        `a stale attempt's ${what} was refused: a newer attempt holds the run (this worker was taken for dead, or the run was cancelled)`,
      );
    const doneByKey = new Map(claimed.done.map((s) => [`${s.route_key}/${s.step_key}`, s]));
    const log = createStepLog(deps, { runId: run.id, attempt: run.attempts });
    if (run.sending !== null && run.decision === null) {
      // An earlier attempt sent a non-idempotent step and ended without its outcome (a crash, a
      // forced shutdown): it is not sent again; an operator decides.
      const held = await endAttempt(
        ref,
        { state: 'unknown', error: unknownOutcome(run.sending) },
        undefined,
      );
      if (!held) refused('outcome');
      else logger.warn({ runId: run.id, step: run.sending }, 'run waits: step outcome unknown');
      return;
    }
    let policy = defaultRetryPolicy;
    // The last step, once taken to be stored with the outcome (kept if that statement fails).
    let lastStep: ReturnType<StepLog['take']>;

    try {
      const integration = await deps.compile(run.integration_id, run.integration_version, () =>
        deps.definitionOf(run.integration_id, run.integration_version),
      );
      const { definition } = integration;
      policy = { ...defaultRetryPolicy, ...definition.retry };
      let routes: ReturnType<typeof selectRoutes>;
      try {
        routes = selectRoutes(integration, source.data);
      } catch (error) {
        throw new StepFailure(
          new InvalidInputError(`A route condition failed: ${(error as Error).message}`),
        );
      }
      for (const route of routes) {
        const outputs: Record<string, unknown> = {};
        const linkView = Object.fromEntries(
          links.map((l) => [l.step_key, { targetId: l.target_id }]),
        );
        for (const step of route.steps) {
          const previous = doneByKey.get(`${route.key}/${step.key}`);
          if (previous) {
            if (previous.state === 'filtered') break;
            outputs[step.key] = previous.output;
            continue;
          }
          const context: StepContext = {
            run,
            routeKey: route.key,
            sourceSystem: definition.trigger.connector,
            attempt: run.attempts,
            startedAt: new Date(),
            started: performance.now(),
          };
          const data = { event: source.data, steps: outputs, links: linkView };
          if (step.kind === 'filter') {
            const passes = evaluateFilter(step, data);
            await log.add(context, {
              state: passes ? 'succeeded' : 'filtered',
              stepKey: step.key,
              output: { passes },
              // A shadow run records what its rules skipped: a record on the target is extra.
              ...(!passes && run.stage === 'shadow'
                ? { shadows: skippedWrites(route.steps, step.key, data, context) }
                : {}),
            });
            if (!passes) break;
            continue;
          }
          const output = await runAction(
            step,
            data,
            context,
            links.find((l) => l.step_key === step.key),
            log,
            { slaSeconds: definition.review?.slaSeconds, policy: { ...policy, ...step.retry } },
          );
          outputs[step.key] = output;
        }
      }
      lastStep = log.take();
      const held = await endAttempt(
        ref,
        { state: 'succeeded', outcome: routes.length === 0 ? 'no route matched' : undefined },
        lastStep,
      );
      if (!held) refused('outcome');
    } catch (caught) {
      if (caught instanceof StaleAttemptError) {
        refused('step');
        return;
      }
      if (caught instanceof RunParked) {
        let held = false;
        try {
          held = await endAttempt(ref, { state: 'waiting', outcome: caught.outcome }, log.take());
        } finally {
          caught.parked?.(held);
        }
        if (!held) refused('outcome');
        return;
      }
      // Junction's own failure (a database error, a bug) fails the attempt like a retryable step
      // failure, keeping what already happened. If even that cannot be stored (the database went
      // away), the job fails, and graphile-worker runs it again later: the same job takes the
      // `running` run back (claimRuns).
      if (!(caught instanceof StepFailure))
        logger.error({ err: caught, runId: run.id, attempt: run.attempts }, 'run attempt broke');
      const thrown =
        caught instanceof StepFailure
          ? caught
          : new StepFailure(
              new RetryableError(
                `Junction could not finish the attempt: ${(caught as Error).message}`,
              ),
            );
      const end = await failureEnd(run, { ...policy, ...thrown.stepRetry }, thrown, () =>
        resumedWaits(db, run.id),
      );
      const held = await endAttempt(ref, end, log.take() ?? lastStep);
      if (!held) refused('outcome');
      else
        logger.warn(
          { runId: run.id, attempt: run.attempts, retry: end.state === 'failed', error: end.error },
          'run attempt failed',
        );
    }
  };

  function evaluateFilter(step: Extract<CompiledStep, { kind: 'filter' }>, data: unknown): boolean {
    try {
      return truthy(step.when(data));
    } catch (error) {
      throw new StepFailure(
        new InvalidInputError(`Filter "${step.key}" failed: ${(error as Error).message}`),
      );
    }
  }

  /** Runs an action step; its failure carries the step's own retry settings. */
  function runAction(...args: Parameters<typeof callAction>): Promise<unknown> {
    return callAction(...args).catch((error: unknown) => {
      if (error instanceof StepFailure && args[0].retry) error.stepRetry = args[0].retry;
      throw error;
    });
  }

  async function callAction(
    step: Extract<CompiledStep, { kind: 'action' }>,
    data: { event: unknown; steps: Record<string, unknown>; links: unknown },
    context: StepContext,
    link: { target_id: string | null; content_hash: Buffer; last_output: unknown } | undefined,
    log: StepLog,
    { slaSeconds, policy }: { slaSeconds: number | undefined; policy: RetryPolicy },
  ): Promise<unknown> {
    const connector = deps.connectors.get(step.connector, step.version);
    if (!connector)
      throw new StepFailure(
        new InvalidInputError(`Connector ${step.connector}@${step.version} is not installed.`),
      );
    const actionKey = link && step.linkedAction ? step.linkedAction : step.action;
    const action = connector.definition.actions?.find((a) => a.key === actionKey);
    const mapped = step.mapping(data);
    if (mapped.errors.length > 0 || !action) {
      const problems = mapped.errors.map((e) => ({ pointer: e.pointer, message: e.message }));
      throw await failStep(
        log,
        context,
        step.key,
        new InvalidInputError(
          action ? `The mapping of "${step.key}" failed.` : `No action "${actionKey}".`,
          { problems },
        ),
      );
    }
    let input = Object.fromEntries(
      Object.entries(mapped.output).filter(([name]) => Object.hasOwn(action.input, name)),
    );
    const writes = writesTarget(action);
    if (context.run.stage === 'shadow' && writes) {
      // Shadow: the write is recorded, not made; it is compared with the target later.
      const output = { shadow: true };
      await log.add(context, {
        state: 'shadowed',
        stepKey: step.key,
        input,
        output,
        shadows: [shadowOf(step, connector, action, input, context, 'write')],
      });
      return output;
    }
    // review-all, or a record inside the sampled share: every write goes to the review queue.
    const stageReview = context.run.stage_review === true && writes;
    const approved = step.gate || stageReview ? await approvedInput(context, step.key) : undefined;
    if (approved) input = approved;
    const write = {
      stepKey: step.key,
      connector,
      actionKey,
      input,
      targetIdPath: step.targetId,
      hash: contentHash(actionKey, input),
    };
    if (link?.content_hash.equals(write.hash)) {
      await log.add(context, {
        state: 'skipped',
        stepKey: step.key,
        input,
        output: link.last_output,
        record: write,
      });
      return link.last_output;
    }
    const stepId = `${context.routeKey}/${step.key}`;
    const { run } = context;
    const decision = run.sending === stepId ? run.decision : null;
    if (decision?.kind === 'done') {
      // An operator checked the target: the step took effect, with this output.
      await log.add(context, {
        state: 'succeeded',
        stepKey: step.key,
        input,
        output: decision.output,
        record: write,
      });
      return decision.output;
    }
    const row = step.connection ? await connectionOf(step.connection) : undefined;
    let secrets: string[] = [];
    let idempotent = true;
    const waitId = `wt_${randomUUID()}`;
    // The default until the action's own timeout for this input is known (below).
    let timeoutMs = stepTimeoutMs(step, undefined, deps.stepTimeoutMs);
    const request = (credentials: Record<string, unknown>) => ({
      connector,
      credentials,
      connection: {
        id: row?.id ?? 'none',
        name: row?.name ?? 'none',
        settings: row?.settings ?? {},
      },
      idempotencyKey: `${context.run.event_id}:${context.routeKey}:${step.key}`,
      settings: step.settings,
      timeoutMs,
      state: createIntegrationStateStore(db, context.run.integration_id),
      log: (entry: unknown) =>
        logger.debug({ runId: context.run.id, step: step.key, plugin: entry }, 'plugin log'),
    });
    if (step.timeoutMs === undefined) {
      // `timeoutMs(input)` needs no credentials: none are decrypted for it.
      const own = await evaluateActionHook(deps.executor, request({}), action, 'timeoutMs', input);
      if (!own.ok) throw await failStep(log, context, step.key, own.error, undefined, { input });
      timeoutMs = stepTimeoutMs(step, own.output, deps.stepTimeoutMs);
    }
    const parking: ParkingStep = {
      waitId,
      context,
      stepKey: step.key,
      connector: { id: connector.id, version: connector.version },
      actionKey,
    };
    if ((step.gate || stageReview) && !approved) {
      const gated = evaluateGate(step, data);
      const review = { ...gated, send: gated.send || stageReview };
      if (review.send) {
        let current: Record<string, unknown> | null | undefined;
        if (action.current) {
          const readCurrent = (credentials: Record<string, unknown>) => {
            secrets = secretValues(connector.definition.auth, credentials);
            return deps.executor.execute({
              ...request(credentials),
              operation: { kind: 'action-current', action: actionKey, input },
            });
          };
          const read = row ? await callOrFail(row, readCurrent) : await readCurrent({});
          // A record that cannot be read leaves the diff out; the reviewer still decides.
          current = read.ok ? (read.output as Record<string, unknown> | null) : undefined;
        }
        await log.add(context, {
          state: 'waiting',
          stepKey: step.key,
          input,
          output: { review: waitId },
          secrets,
          parking: reviewParking(parking, {
            reason: gated.send && step.gate ? step.gate.reason : 'rollout',
            confidence: review.confidence,
            input,
            source: { event: data.event, steps: { ...data.steps } },
            current,
            slaSeconds,
          }),
        });
        throw new RunParked('waiting for review');
      }
    }
    const limits = row ? limitsOf(row.settings, connector.definition.rateLimit) : {};
    const slot = row ? await takeLimits(row, limits, run.deferrals) : undefined;
    const started = performance.now();
    const detached = action.detach && deps.detached;
    let sent: () => void = () => {};
    const sending = new Promise<void>((resolve) => {
      sent = resolve;
    });
    const call = async (credentials: Record<string, unknown>) => {
      secrets = secretValues(connector.definition.auth, credentials);
      if (!action.idempotent) {
        const when = await evaluateActionHook(
          deps.executor,
          request(credentials),
          action,
          'idempotentWhen',
          input,
        );
        // Its hook failed: the action was not sent, and its failure says nothing of an effect.
        if (!when.ok) {
          idempotent = true;
          return when;
        }
        idempotent = when.output === true;
      }
      // Recorded before the send: an attempt that ends without this step's outcome leaves the run
      // waiting for an operator, never sending it a second time. (A send again after a refused
      // token is safe: a 401 was not carried out.)
      if (!idempotent) await log.sending(stepId);
      sent();
      return deps.executor.execute({
        ...request(credentials),
        operation: { kind: 'action', action: actionKey, input },
        resumeUrl: deps.resumeUrl?.(waitId),
        ...(detached ? { signal: detached.signal } : {}),
      });
    };
    const failureOf = (error: ConnectorError): Failure => ({
      error,
      retryAt: error instanceof RateLimitedError ? error.retryAt : undefined,
      ...(!idempotent && !notCarriedOut.has(error.kind) ? { unknownStep: stepId } : {}),
    });
    const calling = row ? callOrFail(row, call) : call({});
    // The connection's slot is held until the call ends, also when it goes on detached.
    if (slot) void calling.then(slot.release, slot.release);
    const answered =
      detached && action.detach
        ? await answerWithin(calling, sending, action.detach.afterMs)
        : { result: await calling };
    if (!answered && detached) {
      await parkDetached(
        { db, logger, calls: detached },
        {
          parking,
          input,
          write,
          secrets: () => secrets,
          policy,
          failureOf,
          calling,
          log,
          timeoutMs,
          stepId,
          idempotent: () => idempotent,
          onAnswer: (result) =>
            deps.onStep?.(connector.id, (performance.now() - started) / 1000, result.ok),
        },
      );
    }
    const result = answered ? answered.result : await calling;
    deps.onStep?.(connector.id, (performance.now() - started) / 1000, result.ok);
    if (!result.ok) {
      const failure = failureOf(result.error);
      throw await failStep(log, context, step.key, result.error, failure.retryAt, {
        input,
        secrets,
        ...(failure.unknownStep ? { unknownStep: failure.unknownStep } : {}),
      });
    }
    if (isWaitRequest(result.output)) {
      const { deadlineSeconds, callback } = result.output;
      await log.add(context, {
        state: 'waiting',
        stepKey: step.key,
        input,
        output: { wait: waitId, callback, deadlineSeconds },
        secrets,
        parking: waitParking(parking, result.output),
      });
      throw new RunParked(callback ? 'waiting for a callback' : 'waiting for a poll');
    }
    await log.add(context, {
      state: 'succeeded',
      stepKey: step.key,
      input,
      output: result.output,
      record: write,
      secrets,
    });
    return result.output;
  }

  /**
   * Takes a call's place under its connection's limits: one of its `concurrency` slots (held
   * until the call ends), then a token of its rate. Over either, the attempt is deferred (a rate
   * limit's deferral: no worker waits, the retry budget is not used up).
   */
  async function takeLimits(
    row: ConnectionRow,
    limits: ConnectionLimits,
    deferrals: number,
  ): Promise<ConnectionSlot | undefined> {
    let slot: ConnectionSlot | undefined;
    if (limits.concurrency !== undefined && deps.slots) {
      slot = await deps.slots.take(row.id, limits.concurrency);
      if (!slot) {
        // When a call in flight ends is unknown: soon at first, then less often.
        const base = Math.min(5000, 200 * 2 ** Math.min(deferrals, 5));
        const retryAt = new Date(Date.now() + base * (0.5 + Math.random()));
        throw new StepFailure(
          new RateLimitedError(
            `Connection "${row.name}" has ${limits.concurrency} call(s) in flight, its concurrency: the step waits its turn.`,
            { retryAt },
          ),
          retryAt,
        );
      }
    }
    const limit = limits.rate;
    let waitMs: number | undefined;
    try {
      waitMs = limit ? await takeToken(deps, row.id, limit) : undefined;
    } catch (error) {
      await slot?.release();
      throw error;
    }
    if (limit && waitMs !== undefined) {
      await slot?.release();
      const retryAt = new Date(Date.now() + waitMs + Math.random() * waitMs);
      throw new StepFailure(
        new RateLimitedError(
          `Connection "${row.name}" is at its rate limit (${limit.requests} per ${limit.perSeconds} s): the step waits its turn.`,
          { retryAt },
        ),
        retryAt,
      );
    }
    return slot;
  }

  /** Whether a gated step's write goes to review, and the confidence recorded with it. */
  function evaluateGate(
    step: Extract<CompiledStep, { kind: 'action' }>,
    data: unknown,
  ): { send: boolean; confidence: number | null } {
    const gate = step.gate;
    if (!gate) return { send: false, confidence: null };
    try {
      const send = gate.review === undefined ? true : truthy(gate.review(data));
      const value = gate.confidence?.(data);
      const confidence =
        typeof value === 'number' && Number.isFinite(value)
          ? Math.min(1, Math.max(0, value))
          : null;
      return { send, confidence };
    } catch (error) {
      throw new StepFailure(
        new InvalidInputError(`The gate of "${step.key}" failed: ${(error as Error).message}`),
      );
    }
  }

  /**
   * Calls a step's action with its connection's credentials (an OAuth 2.0 token refused with a
   * 401 is refreshed once and the call made again); a token endpoint that refuses is the step's
   * failure.
   */
  async function callOrFail<R extends { readonly ok: boolean; readonly error?: unknown }>(
    row: Parameters<ConnectionStore['resolve']>[0],
    call: (credentials: Record<string, unknown>) => Promise<R>,
  ): Promise<R> {
    try {
      return await deps.connections.callWith(row, call);
    } catch (error) {
      throw new StepFailure(toConnectorError(error));
    }
  }

  async function failStep(
    log: StepLog,
    context: StepContext,
    stepKey: string,
    error: ConnectorError | InvalidInputError,
    retryAt?: Date,
    extra: { input?: unknown; secrets?: readonly string[]; unknownStep?: string } = {},
  ): Promise<StepFailure> {
    await log.add(context, {
      state: 'failed',
      stepKey,
      input: extra.input,
      error: error.toJSON(),
      secrets: extra.secrets,
    });
    return new StepFailure(error, retryAt, extra.unknownStep);
  }
}
