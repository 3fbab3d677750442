/**
 * @junction/connector-kit/testing: helpers to test a connector offline, with HTTP stubbed only
 * at the network edge (a loopback server).
 *
 * @example
 * ```ts
 * import { createTestContext, startTestServer, runActionForTest } from '@junction/connector-kit/testing';
 * ```
 */

export type { RecordTypeCheckOptions, RecordTypeCheckReport } from './check-record-type.js';
export { checkRecordType, listAllForTest } from './check-record-type.js';
export type { TestContext, TestContextOptions } from './create-test-context.js';
export { createTestContext } from './create-test-context.js';
export type { PollingTestResult, ReplayRequest } from './harness.js';
export {
  checkSamples,
  pollForTest,
  replayWebhook,
  runActionForTest,
  runPollingTriggerForTest,
  simulateCallback,
} from './harness.js';
export type { TestServer, TestServerRequest, TestServerResponse } from './start-test-server.js';
export { startTestServer } from './start-test-server.js';
