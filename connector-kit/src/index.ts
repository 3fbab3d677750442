/**
 * @junction/connector-kit: the contract between Junction and its connector plugins.
 *
 * Terminology:
 * - plugin: an installable package (npm-style tarball) whose entry exports a connector; its
 *   `package.json` has `"junction": { "connector": "./dist/index.js", "contract": "^1.0.0" }`.
 * - connector: one external system as the kit describes it (`defineConnector`): auth, record
 *   types, triggers and actions.
 * - connection: stored credentials for one account of a connector; plugin code sees them as
 *   `ctx.credentials` and through `ctx.http`, which injects them.
 * - field: a typed declaration (`field.string()` ...) that gives both a TypeScript type
 *   (`InferFields`) and a JSON Schema (`fieldsToJsonSchema`).
 * - record type: a kind of record the external system holds, with its key and updated-at fields.
 * - trigger: the source of events: `webhook` (the system calls us) or `polling` (we ask with a
 *   cursor). Each event has a `dedupeKey` so a replay is a no-op.
 * - action: one operation on the external system (create, update, upsert, delete, search,
 *   custom), with input and output fields; its input is checked before `run` is called.
 * - settings: per-integration configuration of one trigger or action (a table to watch, a
 *   signature scheme), declared as fields (`settings`) and read as `ctx.settings`; unlike
 *   connection settings they belong to the integration, unlike action input they are fixed.
 * - run context: what plugin code gets when it runs (`RunContext`).
 * - manifest: JSON generated from the definition (`buildManifest`), read by the registry.
 * - contract: this package's API, versioned by `CONTRACT_VERSION` (see its doc for what breaks).
 *
 * Importing this module does no work: nothing starts, nothing is read.
 *
 * @example
 * ```ts
 * import { defineAction, defineConnector, field } from '@junction/connector-kit';
 * ```
 */

export type { ActionDefinition, ActionKind } from './action.js';
export { defineAction } from './action.js';
export { applyAuth } from './apply-auth.js';
export type {
  ApiKeyAuth,
  AuthDefinition,
  AuthKind,
  AuthTestResult,
  BasicAuth,
  BearerAuth,
  Credentials,
  CustomAuth,
  NoAuth,
  OAuth2Auth,
} from './auth.js';
export { authFields, defineCustomAuth, REDACTED, redactSecrets, secretValues } from './auth.js';
export {
  CONTRACT_VERSION,
  isContractSupported,
  satisfiesRange,
} from './contract-version.js';
export type { RunContextOptions } from './create-run-context.js';
export { createRunContext } from './create-run-context.js';
export type {
  ConnectorDefinition,
  ConnectorInput,
  ConnectorRateLimit,
  DestinationFields,
} from './define-connector.js';
export { defineConnector, isConnectorDefinition } from './define-connector.js';
export type { ConnectionValues } from './destinations.js';
export { changedDestinations } from './destinations.js';
export type { ConnectionAbout, EgressGuard, EgressResolver } from './egress-guard.js';
export { createEgressGuard, guardOf, installEgressGuard } from './egress-guard.js';
export type {
  EgressEndpoint,
  EgressRefusal,
  EgressRules,
  EgressTarget,
} from './egress-rules.js';
export {
  createEgressCheck,
  normaliseAddress,
  parseEgressEntry,
  parseEgressList,
} from './egress-rules.js';
export type { HeadersLike } from './error-from-response.js';
export { errorFromResponse } from './error-from-response.js';
export type { ConnectorErrorKind, ConnectorErrorOptions, InputProblem } from './errors.js';
export {
  AuthError,
  ConnectorError,
  connectorErrorFromJSON,
  EgressRefusedError,
  egressRefusalIn,
  InvalidInputError,
  RateLimitedError,
  RetryableError,
  toConnectorError,
} from './errors.js';
export type {
  AnyField,
  ArrayField,
  ArrayOptions,
  BooleanField,
  DateField,
  DateTimeField,
  EnumField,
  FieldKind,
  FieldOptions,
  FieldSet,
  FieldValue,
  InferFields,
  IntegerField,
  JsonField,
  JsonObject,
  JsonOptions,
  JsonType,
  JsonValue,
  JsonValueOf,
  NumberField,
  NumberOptions,
  ObjectField,
  ObjectOptions,
  RequiredOf,
  StringField,
  StringOptions,
} from './field.js';
export { field } from './field.js';
export type { JsonSchema } from './fields-to-json-schema.js';
export {
  fieldsToJsonSchema,
  fieldToJsonSchema,
  JSON_SCHEMA_DIALECT,
} from './fields-to-json-schema.js';
export type {
  HttpCallOptions,
  HttpClient,
  HttpClientOptions,
  HttpRequest,
  QueryParams,
} from './http-client.js';
export { createHttpClient } from './http-client.js';
export { readBody } from './http-support.js';
export type { LogEntry, Logger, LogLevel } from './logger.js';
export { createLogger } from './logger.js';
export type { ConnectorManifest } from './manifest.js';
export { buildManifest, MANIFEST_FILE } from './manifest.js';
export { checkManifest, manifestDrift } from './manifest-check.js';
export type { OAuth2TokenOptions, OAuth2TokenSet } from './oauth2.js';
export {
  authorizationUrl,
  createPkce,
  exchangeAuthorizationCode,
  fetchClientCredentialsToken,
  needsRefresh,
  refreshOAuth2Token,
} from './oauth2.js';
export { packageVersion } from './package-version.js';
export type { PageInfo, PaginateNext } from './paginate.js';
export { paginate } from './paginate.js';
export type {
  ChangedAt,
  ChangedSinceOptions,
  ChangedSincePage,
  ChangedSinceRequest,
} from './poll-changed-since.js';
export { compareChangedAt, pollChangedSince } from './poll-changed-since.js';
export type {
  CreateManyOptions,
  RecordCapability,
  RecordOperations,
  RecordPage,
  RecordTypeDefinition,
  RecordTypeInput,
} from './record-type.js';
export { defineRecordType, RECORD_CAPABILITIES, recordCapabilities } from './record-type.js';
export type { Redactor } from './redactor.js';
export { createRedactor } from './redactor.js';
export {
  compactHeaders,
  compactQuery,
  cursorPages,
  itemsAt,
  linkHeaderPages,
  nextLink,
  pageNumberPages,
  pickFields,
} from './rest-support.js';
export { parseRetryAfter } from './retry-after.js';
export type { RowCursor } from './row-cursor.js';
export { formatRowCursor, parseRowCursor } from './row-cursor.js';
export type { ActionRunner, ActionRunnerOptions } from './run-action.js';
export { createActionRunner, runAction } from './run-action.js';
export type { ConnectionInfo, RunContext, SettingsOf, StateStore } from './run-context.js';
export { createMemoryState } from './run-context.js';
export type { WebhookOutcome } from './run-trigger.js';
export { handleWebhook, runPoll, subscribeWebhook, unsubscribeWebhook } from './run-trigger.js';
export type { Payload } from './signatures.js';
export {
  signHmacBase64,
  signHmacHex,
  signStandardWebhook,
  signTimestamped,
  verifyHmacBase64,
  verifyHmacHex,
  verifyStandardWebhook,
  verifyTimestamped,
} from './signatures.js';
export type { LedgerSession, SqlLedger, SqlLedgerDialect, SqlLedgerOptions } from './sql-ledger.js';
export {
  createSqlLedger,
  DEFAULT_LEDGER_RETENTION_DAYS,
  DEFAULT_LEDGER_TABLE,
  ledgerFields,
  usesLedger,
} from './sql-ledger.js';
export type {
  SqlRecord,
  SqlRecordSession,
  SqlRecordStore,
  SqlRecordStoreOptions,
} from './sql-records.js';
export {
  createSqlRecordStore,
  sqlRecordFields,
  sqlRecordSettings,
  sqlTableRecordType,
} from './sql-records.js';
export type { TableCache } from './table-cache.js';
export { createTableCache } from './table-cache.js';
export { testAuth } from './test-auth.js';
export type {
  PollingTrigger,
  PollResult,
  SubscriptionData,
  TriggerDefinition,
  TriggerEvent,
  WebhookTrigger,
} from './trigger.js';
export { definePollingTrigger, defineWebhookTrigger } from './trigger.js';
export type { DefinitionProblem } from './validate-connector.js';
export { validateConnector } from './validate-connector.js';
export type { FieldsCheck } from './validate-fields.js';
export { validateFields } from './validate-fields.js';
export type { PollOutcome, WaitOptions, WaitRequest, WaitTimeout } from './wait.js';
export { createWaitRequest, isWaitRequest } from './wait.js';
export { checkActionOutput, pollAction, readCurrentRecord } from './wait-actions.js';
export type { WebhookRequest } from './webhook-request.js';
export { createWebhookRequest } from './webhook-request.js';
export type { WebhookSecretOption } from './webhook-secret.js';
export {
  STANDARD_WEBHOOK_SECRET_PATTERN,
  webhookSecretFields,
  webhookSecretOf,
} from './webhook-secret.js';
export { withSignal } from './with-signal.js';
