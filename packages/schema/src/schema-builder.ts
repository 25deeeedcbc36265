import { z } from 'zod';

export type ValidationMode = 'lenient' | 'strict';

// known values keep editor completion; `string & {}` stops the union collapsing to `string`
export type OpenEnum<T extends string> = T | (string & {});

type EnumValues = readonly [string, ...string[]];

const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

// a letter-by-letter class pattern: case-insensitive, yet portable to every json schema validator
function caseInsensitivePattern(values: readonly string[]): RegExp {
  const alternatives = values.map((value) =>
    [...value].map((char) => `[${char.toLowerCase()}${char.toUpperCase()}]`).join(''),
  );
  return new RegExp(`^(?:${alternatives.join('|')})$`);
}

export interface SchemaBuilder {
  readonly mode: ValidationMode;
  /** lenient keeps unknown keys, strict rejects them; typed without an index signature in both */
  object<S extends z.ZodRawShape>(shape: S): z.ZodObject<S>;
  /** documented as carrying unpublished extra fields: unknown keys are kept in both modes */
  openObject<S extends z.ZodRawShape>(shape: S): z.ZodObject<S>;
  /** lenient accepts any string, strict only the known values */
  openEnum<const T extends EnumValues>(values: T): z.ZodType<OpenEnum<T[number]>, string>;
  /** known values matched in any case and returned in lower case */
  caseInsensitiveEnum<const T extends EnumValues>(values: T): z.ZodType<OpenEnum<T[number]>, string>;
  /** E.164 enforced in strict mode only: a malformed number must not cost a production event */
  phoneNumber(): z.ZodType<string, string>;
}

export function createSchemaBuilder(mode: ValidationMode): SchemaBuilder {
  const lenient = mode === 'lenient';
  return {
    mode,
    object: (shape) => (lenient ? z.looseObject(shape) : z.strictObject(shape)),
    openObject: (shape) => z.looseObject(shape),
    openEnum: (values) => (lenient ? z.union([z.enum(values), z.string()]) : z.enum(values)),
    caseInsensitiveEnum: (values) => {
      const known: ReadonlySet<string> = new Set(values);
      const normalize = (value: string) => (known.has(value.toLowerCase()) ? value.toLowerCase() : value);
      if (lenient) return z.string().transform(normalize);
      return z
        .string()
        .regex(caseInsensitivePattern(values), { message: `expected one of ${values.join(', ')} (any case)` })
        .transform(normalize);
    },
    phoneNumber: () =>
      lenient ? z.string() : z.string().regex(E164_PATTERN, { message: 'expected an E.164 phone number' }),
  };
}
