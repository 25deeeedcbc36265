import { z } from 'zod';

export type ValidationMode = 'lenient' | 'strict';

// known values keep editor completion; `string & {}` stops the union collapsing to `string`
export type OpenEnum<T extends string> = T | (string & {});

type EnumValues = readonly [string, ...string[]];

const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

// every json value, without recursion: a $ref-free json schema stays valid inside openapi components
const anyJsonValue = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);

// a letter-by-letter class pattern: case-insensitive, yet portable to every json schema validator
function caseInsensitivePattern(values: readonly string[]): RegExp {
  const alternatives = values.map((value) =>
    [...value].map((char) => `[${char.toLowerCase()}${char.toUpperCase()}]`).join(''),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

// the static types follow lenient mode (what a handler can receive); strict schemas are narrower at runtime
export interface SchemaBuilder {
  readonly mode: ValidationMode;
  /** lenient keeps unknown keys, strict rejects them; typed without an index signature in both */
  object<S extends z.ZodRawShape>(shape: S): z.ZodObject<S>;
  /** documented as carrying unpublished extra fields: unknown keys are kept in both modes */
  openObject<S extends z.ZodRawShape>(shape: S): z.ZodObject<S>;
  /** documented as required but not needed to handle the event: strict requires it, lenient also takes null or nothing */
  expected<S extends z.ZodType>(schema: S): z.ZodOptional<z.ZodNullable<S>>;
  /** documented as optional: strict takes it or nothing, lenient also takes null */
  optional<S extends z.ZodType>(schema: S): z.ZodOptional<z.ZodNullable<S>>;
  /** value-like field: strict checks the documented shape, lenient also takes any other json value */
  anyJson<S extends z.ZodType>(schema: S): z.ZodUnion<[S, typeof anyJsonValue]>;
  /** ISO-8601 with `Z` or an offset in strict mode; lenient takes any string (offset-less, date only) */
  dateTime(): z.ZodType<string, string>;
  /** lenient accepts any string, strict only the known values */
  openEnum<const T extends EnumValues>(values: T): z.ZodType<OpenEnum<T[number]>, string>;
  /** known values matched in any case and returned in lower case */
  caseInsensitiveEnum<const T extends EnumValues>(values: T): z.ZodType<OpenEnum<T[number]>, string>;
  /** E.164 enforced in strict mode only: a malformed number must not cost a production event */
  phoneNumber(): z.ZodType<string, string>;
}

/** the known values of each enum-like schema the builder makes (drift detection reads them) */
export const knownEnumValues = new WeakMap<z.ZodType, readonly string[]>();

function withKnownValues<S extends z.ZodType>(schema: S, values: readonly string[]): S {
  knownEnumValues.set(schema, values);
  return schema;
}

// strict schemas are subsets of the lenient ones they are typed as
function narrowerThan<T>(schema: z.ZodType): T {
  return schema as unknown as T;
}

export function createSchemaBuilder(mode: ValidationMode): SchemaBuilder {
  const lenient = mode === 'lenient';
  return {
    mode,
    object: (shape) => (lenient ? z.looseObject(shape) : z.strictObject(shape)),
    openObject: (shape) => z.looseObject(shape),
    expected: (schema) => (lenient ? schema.nullable().optional() : narrowerThan(schema)),
    optional: (schema) => (lenient ? schema.nullable().optional() : narrowerThan(schema.optional())),
    anyJson: (schema) => (lenient ? z.union([schema, anyJsonValue]) : narrowerThan(schema)),
    dateTime: () => (lenient ? z.string() : z.iso.datetime({ offset: true })),
    openEnum: (values) =>
      withKnownValues(lenient ? z.union([z.enum(values), z.string()]) : z.enum(values), values),
    caseInsensitiveEnum: (values) => {
      const known: ReadonlySet<string> = new Set(values);
      const normalize = (value: string) => (known.has(value.toLowerCase()) ? value.toLowerCase() : value);
      if (lenient) return withKnownValues(z.string().transform(normalize), values);
      return withKnownValues(
        z
          .string()
          .regex(caseInsensitivePattern(values), {
            message: `expected one of ${values.join(', ')} (any case)`,
          })
          .transform(normalize),
        values,
      );
    },
    phoneNumber: () =>
      lenient ? z.string() : z.string().regex(E164_PATTERN, { message: 'expected an E.164 phone number' }),
  };
}
