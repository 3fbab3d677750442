import { connector as ai } from '@junction/plugin-ai';
import {
  type ModelStandIn,
  type StandInAnswer,
  type StandInRequest,
  startModelStandIn,
} from '@junction/plugin-ai/stand-in';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createStaticConnectorSource } from '../../core/src/connectors/connector-source.js';
import { asyncJobs, recorded } from '../fixtures/connectors/async-jobs.js';
import { apiOf } from '../support/api.js';
import { startTestJunction, type TestJunction } from '../support/start-junction.js';
import { until } from '../support/until.js';
import { createAiIntegrations, invoice } from './detached-support.js';

// One worker slot: a step that held it for its whole call would stop everything else.
const env = {
  JUNCTION_WORKER_CONCURRENCY: '1',
  JUNCTION_WORKER_POLL_INTERVAL_MS: '100',
  JUNCTION_WAIT_SWEEP_MS: '100',
};
let t: TestJunction;
let model: ModelStandIn;
/** How the model answers the current test's requests (by the document's text). */
let answer: (request: StandInRequest) => Promise<StandInAnswer>;
let hooks: Awaited<ReturnType<typeof createAiIntegrations>>;

beforeAll(async () => {
  model = await startModelStandIn({ respond: (request) => answer(request) });
  t = await startTestJunction(env, { connectors: createStaticConnectorSource([ai, asyncJobs]) });
  hooks = await createAiIntegrations(apiOf(t), model.url);
});
afterAll(async () => {
  await t?.close();
  await model?.close();
});
beforeEach(() => {
  answer = async () => ({ content: invoice('?') });
});

const query = async (text: string, values: unknown[] = []) =>
  // biome-ignore lint/suspicious/noExplicitAny: tests read whatever rows come back.
  (await t.junction.database.pool.query(text, values)).rows as Record<string, any>[];

/** Posts a document to a webhook; answers its event's id (the run is found by it). */
async function post(hook: string, id: string): Promise<void> {
  const res = await t.request(hook, {
    method: 'POST',
    token: null,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, table: id }),
  });
  expect(res.status).toBe(202);
}

/** The run of the event posted with `id`, once it is in one of `states`. */
function runOf(id: string, states: string[], timeoutMs = 30_000) {
  return until(async () => {
    const [run] = await query(
      `select r.* from runs r join events e on e.id = r.event_id where e.dedupe_key = $1`,
      [id],
    );
    return run && states.includes(run.state) ? run : undefined;
  }, timeoutMs);
}

/** The index of the stand-in's request for the document `text`. */
const requestOf = (text: string) =>
  model.requests.findIndex((r) => r.messages[1]?.content === text);
const eventIndex = (kind: 'received' | 'answered', request: number) =>
  model.events.findIndex((e) => e.kind === kind && e.request === request);

describe('slow AI steps park their run instead of holding a worker', () => {
  it('with one worker slot, two slow extractions are in flight at once and fast runs go on meanwhile', async () => {
    const slow = new Set(['d1', 'd2']);
    const fast = ['f1', 'f2', 'f3'];
    const fastDone = async () =>
      (
        await query(
          `select count(*)::int as n from runs r join events e on e.id = r.event_id
         where e.dedupe_key = any($1) and r.state = 'succeeded'`,
          [fast],
        )
      )[0]?.n === fast.length;
    // The model answers no slow request before both are in and every fast run has finished (or
    // a minute passed: then the order of events below fails the test), then takes 3 s.
    answer = async (request) => {
      const text = request.messages[1]?.content ?? '';
      if (slow.has(text))
        await until(
          async () => [...slow].every((d) => requestOf(d) >= 0) && (await fastDone()),
          60_000,
        ).catch(() => {});
      return { content: invoice(text), tokenConfidence: 0.9, delayMs: slow.has(text) ? 3000 : 0 };
    };
    await post(hooks.extract, 'd1');
    await until(async () => requestOf('d1') >= 0);
    await post(hooks.extract, 'd2');
    for (const id of fast) await post(hooks.fast, id);
    await Promise.all(fast.map((id) => runOf(id, ['succeeded'])));

    const [first, second] = await Promise.all(['d1', 'd2'].map((id) => runOf(id, ['succeeded'])));
    // The second extraction was sent before the first was answered: both calls were in flight
    // together, with one worker slot.
    expect(eventIndex('received', requestOf('d2'))).toBeGreaterThan(-1);
    expect(eventIndex('received', requestOf('d2'))).toBeLessThan(
      eventIndex('answered', requestOf('d1')),
    );
    for (const run of [first, second]) {
      const steps = await query(
        'select step_key, state, attempt from run_steps where run_id = $1 order by id',
        [run?.id],
      );
      expect(steps.map((s) => `${s.step_key}:${s.state}:${s.attempt}`)).toEqual([
        'extract:waiting:1',
        'extract:succeeded:1',
        'record:succeeded:2',
      ]);
      const [wait] = await query('select kind, state from run_waits where run_id = $1', [run?.id]);
      expect(wait).toEqual({ kind: 'detached', state: 'resumed' });
    }
    expect(recorded.find((r) => r.key === 'd1')?.value).toEqual({
      supplier: 'Acme',
      number: 'd1',
      total: 12.5,
    });
    // The resume is audited like a callback's, and the extraction's write like any step's.
    const audit = await query(
      `select actor, action from audit_entries where run_id = $1 order by id`,
      [first?.id],
    );
    expect(audit.map((a) => a.action)).toEqual(['wait.resume', 'record.write', 'record.write']);
    expect(audit[0]?.actor).toBe('system');
  }, 120_000);

  it('a model that fails after the run parked (429, malformed JSON) is tried again under the retry policy', async () => {
    const answers: Record<string, StandInAnswer[]> = {
      r1: [
        { status: 429, retryAfterSeconds: 1, delayMs: 1500 },
        { content: invoice('r1'), delayMs: 1500 },
      ],
      m1: [
        { content: '{"supplier": "Acme", "number": ', delayMs: 1500 },
        { content: invoice('m1'), delayMs: 1500 },
      ],
    };
    answer = async (request) => {
      const text = request.messages[1]?.content ?? '';
      return answers[text]?.shift() ?? { status: 500, message: 'unexpected' };
    };
    await post(hooks.extract, 'r1');
    await post(hooks.extract, 'm1');
    const [limited, malformed] = await Promise.all([
      runOf('r1', ['succeeded', 'dead']),
      runOf('m1', ['succeeded', 'dead']),
    ]);
    expect(limited?.state).toBe('succeeded');
    expect(malformed?.state).toBe('succeeded');
    // The 429 deferred the run (no attempt used up); the malformed answer used one attempt.
    expect(limited?.deferrals).toBe(1);
    expect(malformed?.deferrals).toBe(0);
    const waits = await query(
      `select w.state, w.run_id = $1 as limited from run_waits w where run_id in ($1, $2)
       order by w.created_at`,
      [limited?.id, malformed?.id],
    );
    expect(waits.filter((w) => w.limited).map((w) => w.state)).toEqual(['failed', 'resumed']);
    expect(waits.filter((w) => !w.limited).map((w) => w.state)).toEqual(['failed', 'resumed']);
    const steps = await query(
      `select state, error->>'kind' as kind from run_steps
       where run_id = $1 and step_key = 'extract' order by id`,
      [malformed?.id],
    );
    expect(steps.map((s) => `${s.state}:${s.kind ?? ''}`)).toEqual([
      'waiting:',
      'failed:retryable',
      'waiting:',
      'succeeded:',
    ]);
    const failures = await query(
      `select data->>'end' as end from audit_entries where run_id = $1 and action = 'wait.fail'`,
      [limited?.id],
    );
    expect(failures).toEqual([{ end: 'failed' }]);
  }, 120_000);

  it('a non-idempotent call that fails after it was sent leaves the decision to an operator; one refused is not retried', async () => {
    await post(hooks.send, 'fail:s1');
    await post(hooks.send, 'bad:s2');
    const unknown = await runOf('fail:s1', ['unknown', 'succeeded', 'dead']);
    expect(unknown).toMatchObject({
      state: 'unknown',
      sending: 'all/send',
      outcome: 'unknown outcome',
    });
    expect(unknown?.last_error).toMatchObject({ kind: 'unknownOutcome', step: 'all/send' });
    const [wait] = await query('select kind, state from run_waits where run_id = $1', [
      unknown?.id,
    ]);
    expect(wait).toEqual({ kind: 'detached', state: 'failed' });
    // The operator checked the target: it was sent. The run goes on with that output.
    const decided = await apiOf(t).post(`/v1/runs/${unknown?.id}/decide`, {
      decision: 'done',
      output: { sent: 'checked by hand' },
    });
    expect(decided.status, JSON.stringify(decided.body)).toBe(200);
    expect((await runOf('fail:s1', ['succeeded', 'dead'])).state).toBe('succeeded');
    expect(recorded.filter((r) => r.key === 'fail:s1')).toEqual([
      { key: 'fail:s1', value: 'checked by hand' },
    ]);
    // Refused (bad input): not carried out, so not unknown; and never retried.
    expect(await runOf('bad:s2', ['unknown', 'succeeded', 'dead'])).toMatchObject({
      state: 'dead',
      outcome: 'not retryable',
    });
  }, 120_000);

  it('counts parked runs by kind and the calls in flight in /metrics', async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    answer = async (request) => {
      await held;
      return { content: invoice(request.messages[1]?.content ?? '') };
    };
    await post(hooks.extract, 'x1');
    await runOf('x1', ['waiting']);
    const scrape = async () => (await t.request('/metrics', { token: null })).text();
    const text = await until(async () => {
      const body = await scrape();
      return body.includes('junction_detached_calls_in_flight 1') ? body : undefined;
    });
    expect(text).toContain('junction_waits{kind="detached"} 1');
    expect(text).toContain('junction_waits{kind="callback"} 0');
    release();
    await runOf('x1', ['succeeded']);
    expect(
      await until(async () => (await scrape()).includes('junction_detached_calls_in_flight 0')),
    ).toBe(true);
  }, 120_000);
});
