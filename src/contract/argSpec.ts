// A small description language for method arguments (data), and the one checker every binding
// runs before the service sees a call. Bindings receive untrusted JSON (a renderer, a web page),
// so each field is checked for type, range and length, and unknown fields are refused: a typo or
// an injected field never reaches the service.

export type ArgSpec =
  | { type: 'string'; optional?: boolean; maxLength?: number; pattern?: RegExp }
  | { type: 'number'; optional?: boolean; min?: number; max?: number; integer?: boolean }
  | { type: 'boolean'; optional?: boolean }
  | { type: 'enum'; optional?: boolean; values: readonly string[] }
  | { type: 'array'; optional?: boolean; items: ArgSpec; maxItems: number }
  | { type: 'object'; optional?: boolean; fields: Readonly<Record<string, ArgSpec>> }
  | { type: 'oneOf'; optional?: boolean; of: readonly ArgSpec[] };

export type ObjectSpec = Extract<ArgSpec, { type: 'object' }>;

export class ArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArgumentError';
  }
}

const PATH_MAX = 4096;
/** Shorthands used by the method tables. */
export const S = {
  str: (maxLength = 256, optional = false): ArgSpec => ({ type: 'string', maxLength, optional }),
  path: (optional = false): ArgSpec => ({ type: 'string', maxLength: PATH_MAX, optional }),
  int: (min: number, max: number, optional = false): ArgSpec => ({ type: 'number', integer: true, min, max, optional }),
  num: (min: number, max: number, optional = false): ArgSpec => ({ type: 'number', min, max, optional }),
  bool: (optional = false): ArgSpec => ({ type: 'boolean', optional }),
  oneOf: (values: readonly string[], optional = false): ArgSpec => ({ type: 'enum', values, optional }),
  obj: (fields: Record<string, ArgSpec>, optional = false): ObjectSpec => ({ type: 'object', fields, optional }),
  none: (): ObjectSpec => ({ type: 'object', fields: {} }),
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'string' ? `a string` : typeof v;
}

/** Throws ArgumentError naming the field and the problem; returns the value when it conforms. */
export function checkArgs(spec: ArgSpec, value: unknown, where = 'args'): unknown {
  if (value === undefined) {
    if (spec.optional) return value;
    throw new ArgumentError(`${where} is required`);
  }
  switch (spec.type) {
    case 'string':
      if (typeof value !== 'string') throw new ArgumentError(`${where} must be a string, not ${describe(value)}`);
      if (spec.maxLength !== undefined && value.length > spec.maxLength) throw new ArgumentError(`${where} is longer than ${spec.maxLength} characters`);
      if (value.includes('\0')) throw new ArgumentError(`${where} contains a NUL character`);
      if (spec.pattern && !spec.pattern.test(value)) throw new ArgumentError(`${where} has an invalid form`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new ArgumentError(`${where} must be a finite number, not ${describe(value)}`);
      if (spec.integer && !Number.isInteger(value)) throw new ArgumentError(`${where} must be an integer`);
      if (spec.min !== undefined && value < spec.min) throw new ArgumentError(`${where} must be at least ${spec.min}`);
      if (spec.max !== undefined && value > spec.max) throw new ArgumentError(`${where} must be at most ${spec.max}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw new ArgumentError(`${where} must be true or false, not ${describe(value)}`);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) throw new ArgumentError(`${where} must be one of ${spec.values.join(', ')}`);
      return value;
    case 'array':
      if (!Array.isArray(value)) throw new ArgumentError(`${where} must be an array, not ${describe(value)}`);
      if (value.length > spec.maxItems) throw new ArgumentError(`${where} has more than ${spec.maxItems} items`);
      value.forEach((v, i) => checkArgs(spec.items, v, `${where}[${i}]`));
      return value;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ArgumentError(`${where} must be an object, not ${describe(value)}`);
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new ArgumentError(`${where} must be a plain object`);
      for (const k of Object.keys(value)) {
        if (!Object.prototype.hasOwnProperty.call(spec.fields, k)) throw new ArgumentError(`${where}.${k} is not a known argument`);
      }
      for (const [k, f] of Object.entries(spec.fields)) checkArgs(f, (value as Record<string, unknown>)[k], `${where}.${k}`);
      return value;
    }
    case 'oneOf': {
      const errors: string[] = [];
      for (const s of spec.of) {
        try {
          return checkArgs(s, value, where);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      throw new ArgumentError(errors[0] ?? `${where} is invalid`);
    }
  }
}
