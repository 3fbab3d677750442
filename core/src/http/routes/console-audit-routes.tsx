import type { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { auditEntryToJson, selectAuditEntries } from '../../audit/query-audit-entries.js';
import { verifyAuditChain } from '../../audit/verify-audit-chain.js';
import { type AuditFilterForm, AuditPage } from '../../console/audit-page.js';
import { utcOf } from '../../console/run-page-data.js';
import type { Database } from '../../db/schema.js';
import { type ConsoleEnv, consolePermission } from './console-support.js';

const pageSize = 100;

/** Console audit trail: filtered entries (keyset pages) and a button that verifies the chain. */
export function consoleAuditPages(db: Kysely<Database>) {
  return (console: Hono<ConsoleEnv>) => {
    console.get('/audit', consolePermission(db, 'audit:read'), async (c) => {
      const q = c.req.query();
      const text = (name: string) => (q[name] ?? '').trim().slice(0, 200);
      const filter: AuditFilterForm = {
        actor: text('actor'),
        action: text('action'),
        subjectType: text('subjectType'),
        integration: text('integration'),
        from: text('from'),
        to: text('to'),
      };
      const problems: Record<string, string> = {};
      const from = filter.from ? utcOf(filter.from) : undefined;
      const to = filter.to ? utcOf(filter.to) : undefined;
      if (filter.from && !from) problems.from = 'Not a date and time (YYYY-MM-DDTHH:MM, UTC).';
      if (filter.to && !to) problems.to = 'Not a date and time (YYYY-MM-DDTHH:MM, UTC).';
      const after = /^[\w-]{1,100}$/.test(q.after ?? '') ? q.after : undefined;
      const rows =
        Object.keys(problems).length > 0
          ? []
          : await selectAuditEntries(db, {
              ...(filter.actor ? { actor: filter.actor } : {}),
              ...(filter.action ? { action: filter.action } : {}),
              ...(filter.subjectType ? { subjectType: filter.subjectType } : {}),
              ...(filter.integration ? { integrationId: filter.integration } : {}),
              ...(from ? { from } : {}),
              ...(to ? { to } : {}),
              ...(after ? { afterId: after } : {}),
            })
              .limit(pageSize + 1)
              .execute();
      const entries = rows.slice(0, pageSize).map(auditEntryToJson);
      const verification = q.verify === '1' ? await verifyAuditChain(db) : undefined;
      return c.html(
        <AuditPage
          session={c.get('session')}
          filter={filter}
          problems={problems}
          entries={entries}
          next={rows.length > pageSize ? entries.at(-1)?.id : undefined}
          verification={verification}
        />,
        Object.keys(problems).length > 0 ? 400 : 200,
      );
    });
  };
}
