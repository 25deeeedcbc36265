// ajv validators for the generated json schema, shared by the tests (not built into dist)
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { WebhookEventType } from '../event-types.js';
import { eventJsonSchema, webhookEventJsonSchema } from '../json-schema.js';
import type { ValidationMode } from '../schema-builder.js';

export const ajv = new Ajv2020({ allErrors: true, strict: true });
addFormats.default(ajv);

const validators = new Map<string, ValidateFunction>();

function cached(key: string, compile: () => ValidateFunction): ValidateFunction {
  const validate = validators.get(key) ?? compile();
  validators.set(key, validate);
  return validate;
}

export function unionValidator(mode: ValidationMode): ValidateFunction {
  return cached(`union:${mode}`, () => ajv.compile(webhookEventJsonSchema(mode)));
}

export function eventValidator(type: WebhookEventType, mode: ValidationMode): ValidateFunction {
  return cached(`${type}:${mode}`, () => ajv.compile(eventJsonSchema(type, mode)));
}

// ajv reports where a keyword failed; add the missing/extra key to compare with zod's paths
export function ajvPaths(errors: ErrorObject[] | null | undefined): (string | number)[][] {
  return (errors ?? []).map((error) => {
    const path: (string | number)[] = error.instancePath
      .split('/')
      .slice(1)
      .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
    const key = error.params.missingProperty ?? error.params.additionalProperty;
    return typeof key === 'string' ? [...path, key] : path;
  });
}
