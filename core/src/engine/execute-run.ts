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
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import type { ConnectionRow, ConnectionStore } from '../connections/connection-store.js';
import type { ConnectorSource } from '../connectors/connector-source.js';
import type { Database } from '../db/schema.js';
import type { PluginExecutor } from '../executor/plugin-executor.js';
import type { IntegrationDefinition } from '../integrations/integration-definition.js';
import type { Logger } from '../log/create-logger.js';
import { createAttemptEnder } from './attempt-ender.js';
import { defaultRetryPolicy, nextAttemptAt, type RetryPolicy } from './backoff.js';
import { createRunClaimer } from './claim-run.js';
import {
  type CompiledIntegration,
  type CompiledStep,
  selectRoutes,
  truthy,
} from './compile-integration.js';
import { rateLimitOf, takeToken } from './connection-throttle.js';
import { createIntegrationStateStore } from './integration-state-store.js';
import { type ParkingStep, reviewParking, waitParking } from './park-rows.js';
import { waitsBehindEarlierRun } from './run-finisher.js';
import type { RunJobPayload } from './run-queue.js';
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
}

/** A step parked the run: the step (with its wait) is in the step log, to be stored with it. */
class RunParked extends Error {
  constructor(readonly outcome: string) {
    super(outcome);
  }
}

/**
 * Why a run stops: the error recorded, and whether another attempt may help. `unknownStep`: a
 * non-idempotent step that failed after it was sent, so whether it took effect is unknown.
 */
class StepFailure extends Error {
  /** The failing step's own retry settings, over the integration's. */
  stepRetry: Partial<RetryPolicy> | undefined;
  constructor(
    readonly error: ConnectorError | InvalidInputError,
    readonly retryAt?: Date,
    readonly unknownStep?: string,
  ) {
    super(error.message);
  }
}

/** Failures that show a request was not carried out: a non-idempotent step may be sent again. */
const notCarriedOut: ReadonlySet<string> = new Set(['rateLimited', 'auth', 'invalidInput']);

/** The error of a run whose `sending` step has an unknown outcome. */
function unknownOutcome(step: string, cause?: ConnectorError) {
  return {
    kind: 'unknownOutcome',
    step,
    message: `Step "${step}" is not idempotent and was sent, but whether it took effect is unknown${
      cause ? ` (${cause.message})` : ' (its attempt ended without storing its outcome)'
    }: it is not sent again by itself. Check the target, then POST /v1/runs/{id}/decide with {"decision": "done", "output": ...} or {"decision": "send-again"}.`,
    ...(cause ? { cause: cause.toJSON() } : {}),
  };
}

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
            definition.review?.slaSeconds,
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
        const held = await endAttempt(
          ref,
          { state: 'waiting', outcome: caught.outcome },
          log.take(),
        );
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
      const error = thrown.error.toJSON();
      const stepPolicy = { ...policy, ...thrown.stepRetry };
      // A rate limit (a 429, Retry-After, Junction's throttle) defers the attempt: it does not
      // use up maxAttempts, only the time budget, so a sustained rate limit leaves no run dead.
      const deferred = thrown.error.kind === 'rateLimited';
      let counted = run.attempts - run.deferrals;
      // Claims that resumed a parked run are not attempts of the retry budget either.
      if (counted >= stepPolicy.maxAttempts) counted -= await resumedWaits(run.id);
      const inBudget =
        Date.now() - new Date(run.created_at).getTime() < stepPolicy.maxElapsedSeconds * 1000;
      const retry =
        inBudget && thrown.error.retryable && (deferred || counted < stepPolicy.maxAttempts);
      const held = await endAttempt(
        ref,
        thrown.unknownStep !== undefined
          ? { state: 'unknown', error: unknownOutcome(thrown.unknownStep, thrown.error) }
          : retry
            ? {
                state: 'failed',
                // A rate limit's own time when it gives one; else backoff.
                retryAt:
                  deferred && thrown.retryAt
                    ? thrown.retryAt
                    : nextAttemptAt(
                        stepPolicy,
                        deferred ? run.deferrals + 1 : counted,
                        thrown.retryAt,
                      ),
                error,
                deferred,
              }
            : {
                state: 'dead',
                error,
                outcome: !thrown.error.retryable
                  ? 'not retryable'
                  : inBudget
                    ? 'attempts exhausted'
                    : 'time budget exhausted',
              },
        log.take() ?? lastStep,
      );
      if (!held) refused('outcome');
      else
        logger.warn({ runId: run.id, attempt: run.attempts, retry, error }, 'run attempt failed');
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
    slaSeconds: number | undefined,
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
    const approved = step.gate ? await approvedInput(context, step.key) : undefined;
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
      timeoutMs: stepTimeoutMs(step, action, input, deps.stepTimeoutMs),
      state: createIntegrationStateStore(db, context.run.integration_id),
      log: (entry: unknown) =>
        logger.debug({ runId: context.run.id, step: step.key, plugin: entry }, 'plugin log'),
    });
    const parking: ParkingStep = {
      waitId,
      context,
      stepKey: step.key,
      connector: { id: connector.id, version: connector.version },
      actionKey,
    };
    if (step.gate && !approved) {
      const review = evaluateGate(step, data);
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
            reason: step.gate.reason,
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
    const limit = row ? rateLimitOf(row.settings, connector.definition.rateLimit) : undefined;
    if (row && limit) {
      // Over the connection's rate limit: the attempt is deferred until a token is due, without
      // holding a worker meanwhile and without using up the retry budget.
      const waitMs = await takeToken(deps, row.id, limit);
      if (waitMs !== undefined) {
        const retryAt = new Date(Date.now() + waitMs + Math.random() * waitMs);
        const throttled = new RateLimitedError(
          `Connection "${row.name}" is at its rate limit (${limit.requests} per ${limit.perSeconds} s): the step waits its turn.`,
          { retryAt },
        );
        throw new StepFailure(throttled, retryAt);
      }
    }
    const started = performance.now();
    const call = async (credentials: Record<string, unknown>) => {
      secrets = secretValues(connector.definition.auth, credentials);
      idempotent =
        action.idempotent ||
        action.idempotentWhen?.({ input: input as never, credentials }) === true;
      // Recorded before the send: an attempt that ends without this step's outcome leaves the run
      // waiting for an operator, never sending it a second time. (A send again after a refused
      // token is safe: a 401 was not carried out.)
      if (!idempotent) await log.sending(stepId);
      return deps.executor.execute({
        ...request(credentials),
        operation: { kind: 'action', action: actionKey, input },
        resumeUrl: deps.resumeUrl?.(waitId),
      });
    };
    const result = row ? await callOrFail(row, call) : await call({});
    deps.onStep?.(connector.id, (performance.now() - started) / 1000, result.ok);
    if (!result.ok) {
      const retryAt = result.error instanceof RateLimitedError ? result.error.retryAt : undefined;
      const unknown = !idempotent && !notCarriedOut.has(result.error.kind);
      throw await failStep(log, context, step.key, result.error, retryAt, {
        input,
        secrets,
        ...(unknown ? { unknownStep: stepId } : {}),
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

  /** The input a reviewer approved for a step of this run, if one did. */
  async function approvedInput(
    context: StepContext,
    stepKey: string,
  ): Promise<Record<string, unknown> | undefined> {
    const row = await db
      .selectFrom('run_waits')
      .select('result')
      .where('run_id', '=', context.run.id)
      .where('route_key', '=', context.routeKey)
      .where('step_key', '=', stepKey)
      .where('kind', '=', 'review')
      .where('state', '=', 'resumed')
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    const result = row?.result as { input?: Record<string, unknown> } | null | undefined;
    return result?.input;
  }

  /** How many times the run was resumed: those claims are not attempts of the retry budget. */
  async function resumedWaits(runId: string): Promise<number> {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from run_waits where run_id = ${runId} and state = 'resumed'`.execute(
      db,
    );
    return rows[0]?.n ?? 0;
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
