import type { SideName } from '../sync/sync-definition.js';
import { escapeKey, isObject, pointerKeys } from './json-diff.js';

/** One field of a parked conflict in one side's shape: the base and both sides' values. */
export interface ConflictField {
  /** JSON pointer into a record of that side (`/values/full_name`). */
  readonly pointer: string;
  /** The value both sides agreed on last (the other side's mapping output then). */
  readonly base: unknown;
  /** The value on the side whose shape this is, and on the other side mapped into it. */
  readonly values: Readonly<Record<SideName, unknown>>;
  /** The sides whose value differs from the base. */
  readonly changed: readonly SideName[];
}

const same = (x: unknown, y: unknown) => JSON.stringify(x) === JSON.stringify(y);

/** The leaves of a JSON document (objects walked, anything else a leaf) by JSON pointer. */
function leaves(value: unknown, pointer = '', out = new Map<string, unknown>()) {
  if (isObject(value) && Object.keys(value).length > 0) {
    for (const [key, member] of Object.entries(value))
      leaves(member, `${pointer}/${escapeKey(key)}`, out);
  } else if (pointer !== '') out.set(pointer, value);
  return out;
}

/** The value at a JSON pointer (undefined where it stops). */
function at(value: unknown, pointer: string): unknown {
  let here = value;
  for (const key of pointerKeys(pointer)) {
    if (!isObject(here) || !Object.hasOwn(here, key)) return undefined;
    here = here[key];
  }
  return here;
}

/**
 * The fields a sync carries to side `shape`, for choosing field by field: each field the other
 * side's mapping writes (its output for the other side's record) or wrote at the last agreement
 * (`base`), with the base, this side's value and the other side's value mapped into this shape.
 */
export function conflictFields(
  shape: SideName,
  records: { own: unknown; otherMapped: unknown; base: unknown },
): ConflictField[] {
  const pointers = new Set([...leaves(records.otherMapped).keys(), ...leaves(records.base).keys()]);
  const other: SideName = shape === 'a' ? 'b' : 'a';
  return [...pointers].map((pointer) => {
    const base = at(records.base, pointer);
    const values = { [shape]: at(records.own, pointer), [other]: at(records.otherMapped, pointer) };
    const changed = (['a', 'b'] as const).filter((side) => !same(values[side], base));
    return { pointer, base, values: values as Record<SideName, unknown>, changed };
  });
}

/** Sets an own member, whatever its name (a record's field may be called `__proto__`). */
const put = (into: Record<string, unknown>, key: string, value: unknown) =>
  Object.defineProperty(into, key, { value, enumerable: true, writable: true, configurable: true });

/** The side a field's choice starts at: the one that changed it alone, else none (choose). */
export function presetSide(field: ConflictField, shape: SideName): SideName | undefined {
  if (field.changed.length === 2) return undefined;
  return field.changed[0] ?? shape;
}

/**
 * A record of side `shape` made of each field's chosen value (form members `field:<pointer>`,
 * `a` or `b`), or the fields left without a valid choice.
 */
export function mergedRecord(
  fields: readonly ConflictField[],
  form: Record<string, unknown>,
): { record: Record<string, unknown>; unchosen: string[] } {
  const record: Record<string, unknown> = {};
  const unchosen: string[] = [];
  for (const field of fields) {
    const side = form[`field:${field.pointer}`];
    if (side !== 'a' && side !== 'b') {
      unchosen.push(fieldName(field.pointer));
      continue;
    }
    const value = field.values[side];
    if (value === undefined) continue;
    const keys = pointerKeys(field.pointer);
    const last = keys.pop() as string;
    let into = record;
    for (const key of keys) {
      if (!isObject(into[key])) put(into, key, {});
      into = into[key] as Record<string, unknown>;
    }
    put(into, last, value);
  }
  return { record, unchosen };
}

/** A field's pointer as people read it (`values.full_name`). */
export const fieldName = (pointer: string) => pointerKeys(pointer).join('.');
