import type { auditEntryToJson } from '../audit/query-audit-entries.js';
import type { AuditVerification } from '../audit/verify-audit-chain.js';
import { JsonBlock, queryOf, Time } from './console-format.js';
import type { ConsoleSession } from './console-sessions.js';
import { FilterBar, Pager } from './filter-bar.js';
import { Layout } from './layout.js';

/** The audit trail's filters as typed ('' when unset). */
export interface AuditFilterForm {
  readonly actor: string;
  readonly action: string;
  readonly subjectType: string;
  readonly integration: string;
  readonly from: string;
  readonly to: string;
}

type Entry = ReturnType<typeof auditEntryToJson>;

const fields: readonly [keyof AuditFilterForm, string, string][] = [
  ['actor', 'Actor', 'token:tok_…'],
  ['action', 'Action (a trailing * is a prefix)', 'review.*'],
  ['subjectType', 'Subject type', 'integration'],
  ['integration', 'Integration id', ''],
  ['from', 'From (UTC)', ''],
  ['to', 'Before (UTC)', ''],
];

/** The audit trail: filters, a page of entries oldest first, and verifying the whole chain. */
export function AuditPage(props: {
  session: ConsoleSession;
  filter: AuditFilterForm;
  problems: Readonly<Record<string, string>>;
  entries: readonly Entry[];
  next: string | undefined;
  verification: AuditVerification | undefined;
}) {
  const f = props.filter;
  const v = props.verification;
  return (
    <Layout title="Audit trail" session={props.session} current="/console/audit">
      <section aria-labelledby="chain">
        <h2 id="chain">The chain</h2>
        <p>
          Every entry is hash-chained to the one before it. Verifying walks the whole chain and
          stops at the first link that does not verify.
        </p>
        <form method="get" action="/console/audit">
          <input type="hidden" name="verify" value="1" />
          <button type="submit">Verify the chain</button>
        </form>
        {v &&
          (v.ok ? (
            <p class="notice" role="status">
              The chain verifies: {v.checked} sealed entries checked, {v.unsealed} not sealed yet
              {v.head ? `; head #${v.head.seq} ${v.head.hash.slice(0, 16)}…` : ''}.
            </p>
          ) : (
            <p class="problem" role="alert">
              The chain is broken after {v.checked} entries: {v.brokenLink?.message}
            </p>
          ))}
      </section>
      <FilterBar
        action="/console/audit"
        legend="Filter entries"
        submit="Show entries"
        clear
        idPrefix="a-"
        problems={props.problems}
        fields={fields.map(([name, label, placeholder]) => ({
          kind: name === 'from' || name === 'to' ? 'datetime-local' : 'text',
          name,
          label,
          value: f[name],
          placeholder,
        }))}
      />
      <section aria-labelledby="entries">
        <h2 id="entries">Entries, oldest first</h2>
        {props.entries.length === 0 ? (
          <p>No entries match these filters.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When (UTC)</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Subject</th>
                <th scope="col">Data</th>
              </tr>
            </thead>
            <tbody>
              {props.entries.map((e) => (
                <tr>
                  <td>{e.seq ?? '–'}</td>
                  <td>
                    <Time at={e.at} />
                  </td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td>
                    {e.subject.type} {e.subject.id}
                  </td>
                  <td>
                    {e.data && (
                      <details>
                        <summary>Data</summary>
                        <JsonBlock value={e.data} label={`Data of entry ${e.id}`} />
                      </details>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <Pager
          label="Pages of entries"
          next={
            props.next
              ? {
                  href: `/console/audit${queryOf({ ...f, after: props.next })}`,
                  text: 'Next entries',
                }
              : undefined
          }
        />
      </section>
    </Layout>
  );
}
