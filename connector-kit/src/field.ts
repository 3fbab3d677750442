/**
 * Every kind of field the DSL knows.
 *
 * @example
 * ```ts
 * if (f.kind === 'enum') console.log(f.values);
 * ```
 */
export type FieldKind =
  | 'string'
  | 'number'
  | 'integer'
  | 'boolean'
  | 'date'
  | 'dateTime'
  | 'enum'
  | 'object'
  | 'array'
  | 'json';

/**
 * Options every field accepts. `T` is the field's value type.
 *
 * @example
 * ```ts
 * field.string({ required: false, label: 'Name', description: 'Full name', examples: ['Ann Lee'] });
 * ```
 */
export interface FieldOptions<T> {
  /** Defaults to `true`; `required: false` makes the key optional (`?`) in the inferred type. */
  readonly required?: boolean;
  /**
   * `true` lets the value be `null` as well (since 1.4): typed `T | null`, JSON Schema
   * `type: [..., 'null']`. Independent of `required`: a required nullable key must be present but
   * may be `null` ("clear it"); an optional one may also be left out ("leave it alone").
   */
  readonly nullable?: boolean;
  /** A short human label for forms. */
  readonly label?: string;
  readonly description?: string;
  /** A secret (password, token): hidden by `redactSecrets` and the logger, `writeOnly` in JSON Schema. */
  readonly secret?: boolean;
  readonly default?: T;
  readonly examples?: readonly T[];
}

/**
 * Extra options of string fields.
 *
 * @example
 * ```ts
 * field.string({ format: 'email', maxLength: 254 });
 * ```
 */
export interface StringOptions extends FieldOptions<string> {
  readonly minLength?: number;
  readonly maxLength?: number;
  /** An ECMAScript regular expression source, checked on input. */
  readonly pattern?: string;
  /** A JSON Schema format checked on input: `email` or `uri`. */
  readonly format?: 'email' | 'uri';
}

/**
 * Extra options of number and integer fields.
 *
 * @example
 * ```ts
 * field.integer({ minimum: 1, maximum: 100, default: 10 });
 * ```
 */
export interface NumberOptions extends FieldOptions<number> {
  readonly minimum?: number;
  readonly maximum?: number;
}

/**
 * Extra options of array fields.
 *
 * @example
 * ```ts
 * field.array(field.string(), { minItems: 1, maxItems: 20 });
 * ```
 */
export interface ArrayOptions<T> extends FieldOptions<T> {
  readonly minItems?: number;
  readonly maxItems?: number;
}

/**
 * Any JSON value: what a {@link JsonField} holds (a row, a request body, a payload).
 *
 * @example
 * ```ts
 * const row: JsonValue = { id: 42, tags: ['a'], owner: null };
 * ```
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/**
 * A JSON object: string keys to JSON values.
 *
 * @example
 * ```ts
 * const values: JsonObject = { email: 'ann@example.com', score: 1.5 };
 * ```
 */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The JSON Schema `type` a {@link JsonField} may narrow itself to.
 *
 * @example
 * ```ts
 * field.json({ type: 'object' }); // only JSON objects
 * ```
 */
export type JsonType = 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';

/**
 * The TypeScript type of a JSON field narrowed to `type` (`JsonValue` when not narrowed).
 *
 * @example
 * ```ts
 * type Row = JsonValueOf<'object'>; // JsonObject
 * ```
 */
export type JsonValueOf<T> = [T] extends ['object']
  ? JsonObject
  : [T] extends ['array']
    ? JsonValue[]
    : [T] extends ['string']
      ? string
      : [T] extends ['number']
        ? number
        : [T] extends ['boolean']
          ? boolean
          : [T] extends ['null']
            ? null
            : JsonValue;

/**
 * Options of {@link field.json}: the usual ones plus an optional JSON `type`.
 *
 * @example
 * ```ts
 * field.json({ type: 'object', description: 'Column names to values', examples: [{ email: 'ann@example.com' }] });
 * ```
 */
export interface JsonOptions extends FieldOptions<JsonValue> {
  /** Narrows the value to one JSON type; without it any JSON value is accepted. */
  readonly type?: JsonType;
}

/**
 * Extra options of object fields.
 *
 * @example
 * ```ts
 * field.object({ id: field.string() }, { additionalProperties: true }); // other keys allowed
 * ```
 */
export interface ObjectOptions<T> extends FieldOptions<T> {
  /** Allow keys other than the declared fields (any JSON values); default `false`. */
  readonly additionalProperties?: boolean;
}

interface FieldBase<K extends FieldKind, R extends boolean> {
  readonly kind: K;
  readonly required: R;
  /** `null` is a value of the field too (since 1.4); see {@link FieldOptions.nullable}. */
  readonly nullable?: boolean;
  readonly label?: string;
  readonly description?: string;
  readonly secret?: boolean;
}

/**
 * A text field.
 *
 * @example
 * ```ts
 * const name: StringField<true> = field.string();
 * ```
 */
export interface StringField<R extends boolean = boolean>
  extends FieldBase<'string', R>,
    Omit<StringOptions, 'required' | 'label' | 'description' | 'secret'> {}
/**
 * A floating-point number field.
 *
 * @example
 * ```ts
 * const amount: NumberField<true> = field.number({ minimum: 0 });
 * ```
 */
export interface NumberField<R extends boolean = boolean>
  extends FieldBase<'number', R>,
    Omit<NumberOptions, 'required' | 'label' | 'description' | 'secret'> {}
/**
 * A whole-number field.
 *
 * @example
 * ```ts
 * const seats: IntegerField<false> = field.integer({ required: false });
 * ```
 */
export interface IntegerField<R extends boolean = boolean>
  extends FieldBase<'integer', R>,
    Omit<NumberOptions, 'required' | 'label' | 'description' | 'secret'> {}
/**
 * A true/false field.
 *
 * @example
 * ```ts
 * const active: BooleanField<true> = field.boolean({ default: true });
 * ```
 */
export interface BooleanField<R extends boolean = boolean> extends FieldBase<'boolean', R> {
  readonly default?: boolean;
  readonly examples?: readonly boolean[];
}
/**
 * A calendar date as an ISO 8601 string (`2024-05-01`).
 *
 * @example
 * ```ts
 * const birthday = field.date({ examples: ['1990-04-01'] });
 * ```
 */
export interface DateField<R extends boolean = boolean> extends FieldBase<'date', R> {
  readonly default?: string;
  readonly examples?: readonly string[];
}
/**
 * An instant as an ISO 8601 / RFC 3339 string (`2024-05-01T10:00:00Z`).
 *
 * @example
 * ```ts
 * const updatedAt = field.dateTime({ description: 'Last change, UTC' });
 * ```
 */
export interface DateTimeField<R extends boolean = boolean> extends FieldBase<'dateTime', R> {
  readonly default?: string;
  readonly examples?: readonly string[];
}
/**
 * One of a fixed list of strings; inferred as a literal union.
 *
 * @example
 * ```ts
 * const stage = field.enum(['lead', 'customer']); // EnumField<readonly ['lead', 'customer'], true>
 * ```
 */
export interface EnumField<
  V extends readonly string[] = readonly string[],
  R extends boolean = boolean,
> extends FieldBase<'enum', R> {
  readonly values: V;
  readonly default?: V[number];
  readonly examples?: readonly V[number][];
}
/**
 * A nested object with its own fields; no other keys unless `additionalProperties: true` (then
 * other keys hold any JSON value, typed `JsonValue`).
 *
 * @example
 * ```ts
 * const address = field.object({ city: field.string(), zip: field.string({ required: false }) });
 * ```
 */
export interface ObjectField<
  F extends FieldSet = FieldSet,
  R extends boolean = boolean,
  A extends boolean = boolean,
> extends FieldBase<'object', R> {
  readonly fields: F;
  readonly additionalProperties?: A;
  readonly default?: InferFields<F>;
  readonly examples?: readonly InferFields<F>[];
}
/**
 * A list whose items all match `items`.
 *
 * @example
 * ```ts
 * const lines = field.array(field.object({ sku: field.string(), qty: field.integer() }));
 * ```
 */
export interface ArrayField<I extends AnyField = AnyField, R extends boolean = boolean>
  extends FieldBase<'array', R> {
  readonly items: I;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly default?: readonly FieldValue<I>[];
  readonly examples?: readonly (readonly FieldValue<I>[])[];
}

/**
 * An open-ended JSON value (object, array or scalar; JSON Schema `{}`), optionally narrowed by
 * `type`. Typed `JsonValue` (or, with `type`, `JsonObject`, `JsonValue[]`, `string`...).
 *
 * @example
 * ```ts
 * const row = field.json({ type: 'object', description: 'The row, column names to values' });
 * ```
 */
export interface JsonField<
  T extends JsonType | undefined = JsonType | undefined,
  R extends boolean = boolean,
> extends FieldBase<'json', R> {
  readonly type?: T;
  readonly default?: JsonValueOf<T>;
  readonly examples?: readonly JsonValueOf<T>[];
}

/**
 * Any field of the DSL.
 *
 * @example
 * ```ts
 * const f: AnyField = field.enum(['low', 'high']);
 * ```
 */
export type AnyField =
  | StringField
  | NumberField
  | IntegerField
  | BooleanField
  | DateField
  | DateTimeField
  | EnumField
  | ObjectField
  | ArrayField
  | JsonField;

/**
 * A named set of fields: an action's input or output, a record type, custom auth.
 *
 * @example
 * ```ts
 * const input = { email: field.string(), tags: field.array(field.string(), { required: false }) } satisfies FieldSet;
 * ```
 */
export type FieldSet = { readonly [name: string]: AnyField };

/**
 * The TypeScript type of one field's value.
 *
 * @example
 * ```ts
 * type Plan = FieldValue<ReturnType<typeof field.enum<['free', 'pro']>>>; // 'free' | 'pro'
 * ```
 */
export type FieldValue<F> = F extends { readonly nullable: true }
  ? NonNullFieldValue<F> | null
  : NonNullFieldValue<F>;

/**
 * The TypeScript type of one field's value, `null` left aside (what a nullable field holds when
 * it is not `null`).
 *
 * @example
 * ```ts
 * type Name = NonNullFieldValue<typeof nameField>; // string
 * ```
 */
export type NonNullFieldValue<F> = F extends { kind: 'string' | 'date' | 'dateTime' }
  ? string
  : F extends { kind: 'number' | 'integer' }
    ? number
    : F extends { kind: 'boolean' }
      ? boolean
      : F extends EnumField<infer V>
        ? V[number]
        : F extends ObjectField<infer S, boolean, true>
          ? InferFields<S> & JsonObject
          : F extends ObjectField<infer S>
            ? InferFields<S>
            : F extends ArrayField<infer I>
              ? FieldValue<I>[]
              : F extends JsonField<infer T>
                ? JsonValueOf<T>
                : never;

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type RequiredKeys<S extends FieldSet> = {
  [K in keyof S]: S[K]['required'] extends false ? never : K;
}[keyof S];
type OptionalKeys<S extends FieldSet> = Exclude<keyof S, RequiredKeys<S>>;

/**
 * The TypeScript type of the values of a field set: required fields are plain keys, optional
 * fields are `?` keys, enums are literal unions, objects and arrays nest.
 *
 * @example
 * ```ts
 * const input = { email: field.string(), age: field.integer({ required: false }) };
 * type Input = InferFields<typeof input>; // { email: string; age?: number }
 * ```
 */
export type InferFields<S extends FieldSet> = Simplify<
  { [K in RequiredKeys<S>]: FieldValue<S[K]> } & { [K in OptionalKeys<S>]?: FieldValue<S[K]> }
>;

/**
 * `true` unless the options say `required: false`.
 *
 * @example
 * ```ts
 * type R = RequiredOf<{ required: false }>; // false
 * ```
 */
export type RequiredOf<O> = O extends { readonly required: false } ? false : true;

/**
 * `{ readonly nullable: true }` when the options say `nullable: true`, else `{}`: what a builder
 * adds to its field's type so that {@link FieldValue} includes `null`.
 *
 * @example
 * ```ts
 * type N = NullableOf<{ nullable: true }>; // { readonly nullable: true }
 * ```
 */
export type NullableOf<O> = O extends { readonly nullable: true }
  ? { readonly nullable: true }
  : unknown;

type OpenOf<O> = O extends { readonly additionalProperties: true } ? true : false;
type JsonTypeOf<O> = O extends { readonly type: infer T extends JsonType } ? T : undefined;

function make<K extends FieldKind>(kind: K, options: object | undefined, extra: object = {}) {
  const { required, ...rest } = (options ?? {}) as { required?: boolean };
  return Object.freeze({ kind, required: required !== false, ...rest, ...extra });
}

/**
 * The field DSL. Every builder takes an options object; fields are required unless
 * `required: false`.
 *
 * @example
 * ```ts
 * const fields = {
 *   email: field.string({ format: 'email', description: 'Primary email' }),
 *   plan: field.enum(['free', 'pro'], { default: 'free' }),
 *   tags: field.array(field.string(), { required: false }),
 * };
 * ```
 */
export const field = {
  string<const O extends StringOptions = StringOptions>(
    options?: O,
  ): StringField<RequiredOf<O>> & NullableOf<O> {
    return make('string', options) as StringField<RequiredOf<O>> & NullableOf<O>;
  },
  number<const O extends NumberOptions = NumberOptions>(
    options?: O,
  ): NumberField<RequiredOf<O>> & NullableOf<O> {
    return make('number', options) as NumberField<RequiredOf<O>> & NullableOf<O>;
  },
  integer<const O extends NumberOptions = NumberOptions>(
    options?: O,
  ): IntegerField<RequiredOf<O>> & NullableOf<O> {
    return make('integer', options) as IntegerField<RequiredOf<O>> & NullableOf<O>;
  },
  boolean<const O extends FieldOptions<boolean> = FieldOptions<boolean>>(
    options?: O,
  ): BooleanField<RequiredOf<O>> & NullableOf<O> {
    return make('boolean', options) as BooleanField<RequiredOf<O>> & NullableOf<O>;
  },
  date<const O extends FieldOptions<string> = FieldOptions<string>>(
    options?: O,
  ): DateField<RequiredOf<O>> & NullableOf<O> {
    return make('date', options) as DateField<RequiredOf<O>> & NullableOf<O>;
  },
  dateTime<const O extends FieldOptions<string> = FieldOptions<string>>(
    options?: O,
  ): DateTimeField<RequiredOf<O>> & NullableOf<O> {
    return make('dateTime', options) as DateTimeField<RequiredOf<O>> & NullableOf<O>;
  },
  enum<
    const V extends readonly string[],
    const O extends FieldOptions<V[number]> = FieldOptions<V[number]>,
  >(values: V, options?: O): EnumField<V, RequiredOf<O>> & NullableOf<O> {
    return make('enum', options, { values: Object.freeze([...values]) }) as EnumField<
      V,
      RequiredOf<O>
    > &
      NullableOf<O>;
  },
  object<
    const F extends FieldSet,
    const O extends ObjectOptions<InferFields<F>> = ObjectOptions<InferFields<F>>,
  >(fields: F, options?: O): ObjectField<F, RequiredOf<O>, OpenOf<O>> & NullableOf<O> {
    return make('object', options, { fields }) as ObjectField<F, RequiredOf<O>, OpenOf<O>> &
      NullableOf<O>;
  },
  array<
    const I extends AnyField,
    const O extends ArrayOptions<FieldValue<I>[]> = ArrayOptions<FieldValue<I>[]>,
  >(items: I, options?: O): ArrayField<I, RequiredOf<O>> & NullableOf<O> {
    return make('array', options, { items }) as ArrayField<I, RequiredOf<O>> & NullableOf<O>;
  },
  /** Any JSON value; `type` narrows it (`field.json({ type: 'object' })` is a `JsonObject`). */
  json<const O extends JsonOptions = JsonOptions>(
    options?: O,
  ): JsonField<JsonTypeOf<O>, RequiredOf<O>> & NullableOf<O> {
    return make('json', options) as JsonField<JsonTypeOf<O>, RequiredOf<O>> & NullableOf<O>;
  },
} as const;
