/** A JSON value: what expressions and the data they read are made of. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

/** A JSON-logic expression: plain JSON data, never code. */
export type Expression = JsonValue;

/** One problem found in an expression or a mapping, located by a JSON pointer (RFC 6901). */
export interface Problem {
  readonly pointer: string;
  readonly message: string;
}

/** Bounds applied to every expression; each is configurable through `CompileOptions.limits`. */
export interface Limits {
  /** Deepest nesting of operations, arrays and objects in an expression. */
  readonly maxDepth: number;
  /** Most nodes (operations, literals, array elements) in one expression or mapping. */
  readonly maxNodes: number;
  /** Most items iterated (map, filter, reduce, all, some, none, merge, split...) per evaluation. */
  readonly maxItems: number;
  /** Longest string an operation may produce. */
  readonly maxStringLength: number;
  /** Wall-clock budget of one evaluation, in milliseconds; checked inside iterations. */
  readonly timeBudgetMs: number;
}

export interface CompileOptions {
  readonly limits?: Partial<Limits>;
  /** Operation names to refuse even though Junction knows them (e.g. a route may forbid `throw`). */
  readonly deny?: readonly string[];
  /** When set, only these operations may be used. */
  readonly allow?: readonly string[];
}

/** A compiled expression: evaluates the expression against `data`. */
export type CompiledExpression = (data: unknown) => unknown;

/** Bookkeeping for one evaluation: the iteration count and the deadline. */
export interface Run {
  items: number;
  /** Epoch ms after which iteration stops; 0 until the first iteration starts the clock. */
  deadline: number;
  readonly limits: Limits;
  /** The data the evaluation started with (reads of it are remembered in `reads`). */
  readonly root: unknown;
  /**
   * Values already read from `root`, by read slot (see `Builder.readSlot`): `undefined` when not
   * read yet, a private marker when read and absent. Lets a mapping read each path once.
   */
  readonly reads: unknown[];
}

/**
 * The enclosing scopes of an iteration (`{"val": [[n], ...]}` climbs them): each iterator pushes
 * its iteration metadata (`{ index }`) and the data it was called with.
 */
export interface Scope {
  readonly value: unknown;
  readonly parent: Scope | null;
}

/** A node of the compiled tree: a closure over its already-compiled children. */
export type Evaluator = (data: unknown, scope: Scope | null, run: Run) => unknown;
