import type mysql from 'mysql2/promise';
import type pg from 'pg';

/** One edit a person makes on one side: `pick` chooses among the records created before it. */
export type SideOperation =
  | {
      readonly kind: 'create';
      readonly email: string;
      readonly name: string;
      readonly phone: string;
    }
  | {
      readonly kind: 'update';
      readonly pick: number;
      readonly field: 'name' | 'phone';
      readonly value: string;
    }
  | { readonly kind: 'delete'; readonly pick: number };

/** One step: an edit on each side at the same moment (a conflict: the same record on both). */
export interface Step {
  readonly a?: SideOperation;
  readonly b?: SideOperation;
  readonly conflict: boolean;
  readonly pauseMs: number;
}

/**
 * The steps of a run, all drawn from `next` (the seed's generator): the same seed, the same
 * steps. Which record an update or delete picks is decided when it runs, among the emails
 * created by earlier steps, by `pick`, so it too follows from the seed.
 */
export function planSteps(next: () => number, count: number, tag: string): Step[] {
  const steps: Step[] = [];
  let created = 0;
  const operation = (side: 'a' | 'b', i: number): SideOperation => {
    const r = next();
    if (r < 0.35 || created === 0) {
      created += 1;
      return {
        kind: 'create',
        email: `${side}${i}-${tag}@sync.test`,
        name: `${side.toUpperCase()} ${i}`,
        phone: `+${Math.floor(next() * 1e9)}`,
      };
    }
    if (r < 0.87)
      return {
        kind: 'update',
        pick: next(),
        field: next() < 0.5 ? 'name' : 'phone',
        value: `${side}${i}u${Math.floor(next() * 1000)}`,
      };
    return { kind: 'delete', pick: next() };
  };
  for (let i = 0; i < count; i++) {
    const pauseMs = Math.floor(next() * 250);
    if (created > 0 && next() < 0.1) {
      const pick = next();
      const field = next() < 0.5 ? 'name' : 'phone';
      steps.push({
        conflict: true,
        pauseMs,
        a: { kind: 'update', pick, field, value: `a${i}x` },
        b: { kind: 'update', pick, field, value: `b${i}x` },
      });
      continue;
    }
    const a = next() < 0.85 ? operation('a', i) : undefined;
    const b = next() < 0.85 ? operation('b', i) : undefined;
    steps.push({ conflict: false, pauseMs, ...(a ? { a } : {}), ...(b ? { b } : {}) });
  }
  return steps;
}

/** The two tables the steps edit, as the people using each system would. */
export interface SyncTables {
  readonly crm: pg.Pool;
  readonly erp: mysql.Pool;
  readonly crmTable: string;
  readonly erpTable: string;
}

/** Counts by `<side>.<kind>.<planned|applied>` and `conflict.<planned|applied>`. */
export type StepCounts = Record<string, number>;

/**
 * Runs the steps in order, both sides of a step at once, pausing between steps; `stop` ends it
 * early. Answers what was planned and what changed a row.
 */
export async function runSteps(
  tables: SyncTables,
  steps: readonly Step[],
  stop: () => boolean = () => false,
): Promise<StepCounts> {
  const counts: StepCounts = {};
  const add = (name: string) => {
    counts[name] = (counts[name] ?? 0) + 1;
  };
  const known: string[] = [];
  const apply = async (side: 'a' | 'b', op: SideOperation): Promise<boolean> => {
    add(`${side}.${op.kind}.planned`);
    const email =
      op.kind === 'create' ? op.email : (known[Math.floor(op.pick * known.length)] as string);
    const changed = side === 'a' ? await onCrm(tables, op, email) : await onErp(tables, op, email);
    if (changed) add(`${side}.${op.kind}.applied`);
    return changed;
  };
  for (const step of steps) {
    if (stop()) break;
    const [a, b] = await Promise.all([
      step.a ? apply('a', step.a) : false,
      step.b ? apply('b', step.b) : false,
    ]);
    for (const op of [step.a, step.b]) if (op?.kind === 'create') known.push(op.email);
    if (step.conflict) {
      add('conflict.planned');
      if (a && b) add('conflict.applied');
    }
    await new Promise((r) => setTimeout(r, step.pauseMs));
  }
  return counts;
}

async function onCrm(t: SyncTables, op: SideOperation, email: string): Promise<boolean> {
  if (op.kind === 'create') {
    await t.crm.query(`insert into ${t.crmTable} (email, full_name, phone) values ($1, $2, $3)`, [
      email,
      op.name,
      op.phone,
    ]);
    return true;
  }
  const column = op.kind === 'update' && op.field === 'name' ? 'full_name' : 'phone';
  const result =
    op.kind === 'update'
      ? await t.crm.query(
          `update ${t.crmTable} set ${column} = $1, updated_at = now() where email = $2`,
          [op.value, email],
        )
      : await t.crm.query(`delete from ${t.crmTable} where email = $1`, [email]);
  return (result.rowCount ?? 0) > 0;
}

async function onErp(t: SyncTables, op: SideOperation, email: string): Promise<boolean> {
  const [result] =
    op.kind === 'create'
      ? await t.erp.query(`insert into ${t.erpTable} (email, name, phone) values (?, ?, ?)`, [
          email,
          op.name,
          op.phone,
        ])
      : op.kind === 'update'
        ? await t.erp.query(`update ${t.erpTable} set ${op.field} = ? where email = ?`, [
            op.value,
            email,
          ])
        : await t.erp.query(`delete from ${t.erpTable} where email = ?`, [email]);
  return (result as mysql.ResultSetHeader).affectedRows > 0;
}
