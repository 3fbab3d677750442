import { type Builder, deepFreeze, type Operation, pointerTo } from './operation.js';
import { operationTable } from './operation-table.js';
import type { Evaluator, Limits, Problem } from './types.js';

/** Operations that exist in other JSON-logic engines and are refused here on purpose. */
const forbidden: Readonly<Record<string, string>> = {
  method: 'calls JavaScript methods',
  log: 'writes to the console',
};

export interface TreeBuilderOptions {
  readonly limits: Limits;
  readonly allow?: readonly string[] | undefined;
  readonly deny?: readonly string[] | undefined;
}

/**
 * Validates an expression tree and compiles it into closures in one pass. Every problem is
 * recorded (with its JSON pointer) instead of stopping at the first one.
 */
export class TreeBuilder implements Builder {
  readonly limits: Limits;
  readonly problems: Problem[] = [];
  private nodes = 0;
  private readonly slots = new Map<string, number>();
  private readonly constants = new WeakMap<Evaluator, { readonly value: unknown }>();
  private readonly table: ReadonlyMap<string, Operation>;
  private readonly allow: ReadonlySet<string> | undefined;
  private readonly deny: ReadonlySet<string>;

  constructor(options: TreeBuilderOptions) {
    this.limits = options.limits;
    this.table = operationTable();
    this.allow = options.allow ? new Set(options.allow) : undefined;
    this.deny = new Set(options.deny ?? []);
  }

  problem(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  constant(value: unknown): Evaluator {
    const evaluator: Evaluator = () => value;
    this.constants.set(evaluator, { value });
    return evaluator;
  }

  constantOf(evaluator: Evaluator): { readonly value: unknown } | undefined {
    return this.constants.get(evaluator);
  }

  /** How many read slots an evaluation needs (`Run.reads`). */
  get readSlots(): number {
    return this.slots.size;
  }

  readSlot(path: readonly string[]): number {
    const id = JSON.stringify(path);
    let slot = this.slots.get(id);
    if (slot === undefined) {
      slot = this.slots.size;
      this.slots.set(id, slot);
    }
    return slot;
  }

  child(node: unknown, pointer: string, depth: number): Evaluator {
    if (!this.count(pointer, depth)) return this.constant(null);
    if (node === null || typeof node !== 'object') return this.primitive(node, pointer);
    if (Array.isArray(node)) return this.array(node, pointer, depth);
    if (!isPlainObject(node)) {
      this.problem(pointer, 'not JSON data');
      return this.constant(null);
    }
    const keys = Object.keys(node);
    if (keys.length !== 1) return this.literal(node, pointer, depth);
    const name = keys[0] as string;
    const operation = this.table.get(name);
    if (operation === undefined) {
      this.problem(pointer, unknownMessage(name));
      return this.constant(null);
    }
    if ((this.allow !== undefined && !this.allow.has(name)) || this.deny.has(name)) {
      this.problem(pointer, `operation "${name}" is not allowed here`);
      return this.constant(null);
    }
    const site = { name, pointer, argPointer: pointerTo(pointer, name), depth };
    return operation.compile((node as Record<string, unknown>)[name], site, this);
  }

  /** Counts one node; false (with a problem recorded) when a limit is passed. */
  private count(pointer: string, depth: number): boolean {
    this.nodes++;
    if (this.nodes === this.limits.maxNodes + 1) {
      this.problem(
        pointer,
        `expression has more than ${this.limits.maxNodes} nodes (limit maxNodes)`,
      );
    }
    if (this.nodes > this.limits.maxNodes) return false;
    if (depth > this.limits.maxDepth) {
      this.problem(
        pointer,
        `expression is nested deeper than ${this.limits.maxDepth} levels (limit maxDepth)`,
      );
      return false;
    }
    return true;
  }

  private primitive(node: unknown, pointer: string): Evaluator {
    if (node === null || typeof node === 'string' || typeof node === 'boolean') {
      return this.constant(node);
    }
    if (typeof node === 'number' && Number.isFinite(node)) return this.constant(node);
    this.problem(pointer, `not JSON data (${typeof node})`);
    return this.constant(null);
  }

  private array(node: readonly unknown[], pointer: string, depth: number): Evaluator {
    const items = node.map((item, i) => this.child(item, pointerTo(pointer, i), depth + 1));
    if (items.every((item) => this.constants.has(item))) {
      return this.constant(deepFreeze(items.map((item) => this.constants.get(item)?.value)));
    }
    const n = items.length;
    return (data, scope, run) => {
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = (items[i] as Evaluator)(data, scope, run);
      return out;
    };
  }

  /** An object with zero or several keys is literal data (as in json-logic-js). */
  private literal(node: object, pointer: string, depth: number): Evaluator {
    const copy: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      copy[key] = this.data(value, pointerTo(pointer, key), depth + 1);
    }
    return this.constant(Object.freeze(copy));
  }

  data(value: unknown, pointer: string, depth: number): unknown {
    if (!this.count(pointer, depth)) return null;
    if (value === null || typeof value !== 'object') {
      const primitive = this.primitive(value, pointer);
      return this.constants.get(primitive)?.value;
    }
    if (Array.isArray(value)) {
      return Object.freeze(
        value.map((item, i) => this.data(item, pointerTo(pointer, i), depth + 1)),
      );
    }
    if (!isPlainObject(value)) {
      this.problem(pointer, 'not JSON data');
      return null;
    }
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      copy[key] = this.data(item, pointerTo(pointer, key), depth + 1);
    }
    return Object.freeze(copy);
  }
}

function unknownMessage(name: string): string {
  const reason = Object.hasOwn(forbidden, name) ? forbidden[name] : undefined;
  if (reason !== undefined) return `operation "${name}" is not allowed: it ${reason}`;
  return `unknown operation "${name}"`;
}

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
