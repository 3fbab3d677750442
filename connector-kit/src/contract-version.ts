/**
 * The version of the connector-kit contract this package implements (semver).
 *
 * What counts as a breaking change (a new major version):
 * - removing or renaming anything exported, an auth kind, a field kind, an action kind or an
 *   error kind; changing the meaning of an existing one;
 * - adding a required member to a definition plugins write (a new required key on actions,
 *   triggers, connectors) or to a function plugins implement (`run`, `poll`, `parse`...);
 * - removing a member of `RunContext` or changing its behaviour (retries, redaction, timeouts);
 * - changing the manifest format in a way an older registry cannot read.
 * Adding optional members, new exports, new field kinds or options, new `RunContext` members
 * the platform fills in, or new optional manifest keys is a minor change; fixes that keep
 * documented behaviour are patches. A plugin that uses a minor version's additions declares
 * that version (`^1.1.0`); plugins declaring `^1.0.0` keep loading.
 *
 * History:
 * - 1.15.0: `createMany`'s optional third argument `{ fields }`: the fields the caller reads of
 *   each created record (`CreateManyOptions`); a record type may answer only those. A backfill
 *   into a side its sync does not read asks for the key and updated-at field alone;
 *   `sqlTableRecordType` then returns only the key and modified-at columns; the testing
 *   module's `checkRecordType` checks that such an answer holds them as stored.
 * - 1.14.0: a record type's optional `find` (the records whose field equals one of some values),
 *   which a sync uses to find the record a create whose answer was lost made, by its match
 *   value, without reading the whole system; `sqlTableRecordType` offers it by `key` or
 *   `values.<column>`; the testing module's `checkRecordType` checks it by the key field.
 * - 1.13.0: a record type's optional `count` (how many records a full `list` would read), which
 *   a backfill reads at its start to know its total; `sqlTableRecordType` offers it
 *   (`select count(*)`); manifests list it among the capabilities; the testing module's
 *   `checkRecordType` checks it against what `list` reads.
 * - 1.12.0: a record type's optional `listChanged` (records changed since an instant, in
 *   (`updatedAt`, key) order, keyset pages), which two-way sync uses to detect changes;
 *   `sqlTableRecordType` offers it for tables with a modified-at column.
 * - 1.11.0: record types say what they can do: a record type's optional operations `list`
 *   (keyset pages from a cursor, `RecordPage`), `get`, `create`, `update`, `delete`, `createMany`,
 *   `updateMany`, `deleteMany` (`RecordOperations`) and `settings`; manifests list a record type's
 *   `capabilities` and `settings`; `recordCapabilities`; the shared SQL table record type
 *   (`createSqlRecordStore`, `sqlTableRecordType`); the testing module's `checkRecordType`.
 * - 1.10.0: an auth `test` that passes may say what it checked, or that there was nothing to
 *   check (`AuthTestResult`'s optional `tested` and `detail`), as a connection that only
 *   receives webhooks does.
 * - 1.9.0: `concurrency` in a connector's `rateLimit` (the most calls in flight at once per
 *   connection, enforced across every Junction process); `requests` and `perSeconds` may be left
 *   out when `concurrency` is given (`ConnectorRateLimit`).
 * - 1.8.0: slow actions free their worker: an action's optional `detach: { afterMs }` (a call that
 *   has not answered by then parks its run, and its answer settles the step later); manifests
 *   list it.
 * - 1.7.0: egress rules: `RunContext.egress` (an `EgressGuard`: `check`, `socket()` for database
 *   drivers, `fetch`, `dispatcher`), which `ctx.http` goes through; `EgressRefusedError` (kind
 *   `invalidInput`, with the `rule` that refused); `createEgressGuard`, `installEgressGuard` and
 *   the rule helpers; `toConnectorError` returns the egress refusal a driver's error wraps;
 *   `destinations` on connectors (fields whose change needs the secrets again) and
 *   `changedDestinations`; `createRedactor`, the redaction of every form a secret takes.
 * - 1.6.0: asynchronous steps: `ctx.wait(...)` and `ctx.resumeUrl` (an action may return a
 *   `WaitRequest` and park its run until a callback, a poll or a deadline), an action's optional
 *   `poll` and `current` (the target's current record, for review diffs), `isWaitRequest`,
 *   `pollAction`, `readCurrentRecord`, `checkActionOutput`; the testing module's
 *   `simulateCallback` and `pollForTest`.
 * - 1.5.0: helpers for REST calls, which `junction-kit from-openapi` connectors use:
 *   `compactQuery`, `compactHeaders`, `pickFields`, `itemsAt`, `nextLink`, and the pagination
 *   strategies `linkHeaderPages`, `cursorPages` and `pageNumberPages` for `ctx.http.paginate`;
 *   `packageVersion(import.meta.url)`, so a plugin's version lives in its package.json only;
 *   for the platform's authorization-code grant: `createPkce`, `authorizationUrl`,
 *   `exchangeAuthorizationCode`; `subscribeWebhook` and `unsubscribeWebhook`, with which the
 *   platform now calls a webhook trigger's `subscribe` and `unsubscribe`.
 * - 1.4.0: nullable fields (`nullable: true`: typed `T | null`, JSON Schema `type: [..., 'null']`);
 *   `webhookSecret` on every auth kind (a signing secret kept beside the API credential,
 *   `webhookSecretOf`, `STANDARD_WEBHOOK_SECRET_PATTERN`); `pollChangedSince` (cursor, page
 *   cursor, ordering ties and dedupe keys of "list changed since" APIs) and `compareChangedAt`.
 * - 1.3.0: a per-request `signal` on the HTTP client (`HttpRequest.signal`) and `withSignal(ctx,
 *   signal)`, a context whose requests the signal cancels too; `createActionRunner`'s `timeoutMs`
 *   now cancels the run's requests through `ctx.http`, where it only aborted `ctx.signal`.
 * - 1.2.0: helpers for polling tables: `RowCursor` with `parseRowCursor` and `formatRowCursor`,
 *   and `createTableCache` (table descriptions kept for a while, read again when one lacks a name).
 * - 1.1.0: `field.json()` (`JsonValue`), open objects (`field.object(f, { additionalProperties:
 *   true })`), `settings` fields on triggers and actions (`ctx.settings`, manifest `settings`),
 *   `RunContext.settings`, `apply` declared as a method and `defineCustomAuth`.
 * - 1.0.0: the first contract.
 *
 * @example
 * ```ts
 * defineConnector({ ..., contract: `^${CONTRACT_VERSION}` });
 * ```
 */
export const CONTRACT_VERSION = '1.15.0';

type Version = readonly [number, number, number];

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?(?:-[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (!m) return undefined;
  const num = (s: string | undefined) =>
    s === undefined || s === 'x' || s === '*' ? -1 : Number(s);
  return [Number(m[1]), num(m[2]), num(m[3])];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    const d = Math.max(a[i]!, 0) - Math.max(b[i]!, 0);
    if (d !== 0) return d;
  }
  return 0;
}

function satisfiesOne(version: Version, comparator: string): boolean | undefined {
  const m = /^(\^|~|>=|<=|>|<|=)?\s*(.+)$/.exec(comparator);
  if (!m) return undefined;
  const op = m[1] ?? '';
  const target = parseVersion(m[2]!);
  if (!target) return undefined;
  const [maj, min, pat] = target;
  const c = compare(version, target);
  switch (op) {
    case '^':
      if (c < 0) return false;
      if (maj > 0) return version[0] === maj;
      if (min > 0) return version[0] === 0 && version[1] === min;
      return version[0] === 0 && version[1] === Math.max(min, 0) && version[2] === Math.max(pat, 0);
    case '~':
      return c >= 0 && version[0] === maj && (min < 0 || version[1] === min);
    case '>=':
      return c >= 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '<':
      return c < 0;
    default:
      // Exact, or partial with wildcards (`1`, `1.x`, `1.0.*`).
      return target.every((part, i) => part < 0 || part === version[i]);
  }
}

/**
 * Whether a semver range (`^1.0.0`, `~1.2`, `>=1.0.0 <2`, `1.x`, `1.0.0 || 2.0.0`) accepts a
 * version; `undefined` when the range cannot be read.
 *
 * @example
 * ```ts
 * satisfiesRange('^1.0.0', '1.4.2'); // true
 * ```
 */
export function satisfiesRange(range: string, version: string): boolean | undefined {
  const v = parseVersion(version);
  if (!v || v.some((p) => p < 0)) return undefined;
  let any = false;
  for (const alternative of range.split('||')) {
    const parts = alternative.trim().split(/\s+/).filter(Boolean);
    if (parts.length === 0) return undefined;
    let all = true;
    for (const part of parts) {
      const ok = satisfiesOne(v, part);
      if (ok === undefined) return undefined;
      all &&= ok;
    }
    any ||= all;
  }
  return any;
}

/**
 * Whether a connector's declared `contract` (a range or a version) is served by this kit.
 *
 * @example
 * ```ts
 * isContractSupported('^1.0.0'); // true with CONTRACT_VERSION 1.9.0
 * ```
 */
export function isContractSupported(contract: string, kitVersion: string = CONTRACT_VERSION) {
  const trimmed = contract.trim();
  // A bare version means "built against this version": compatible within its major (caret).
  const range = /^\d+\.\d+\.\d+$/.test(trimmed) ? `^${trimmed}` : trimmed;
  return satisfiesRange(range, kitVersion) === true;
}
