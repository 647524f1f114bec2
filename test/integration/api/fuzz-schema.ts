import fc from 'fast-check';

/** A string's length as JSON Schema counts it: in code points, not UTF-16 units. */
const codePoints = (text: string): number => [...text].length;

/** A JSON Schema object as the OpenAPI document carries it. */
export type JsonSchema = { [key: string]: unknown };

export type JsonPath = (string | number)[];

/**
 * A JSON text fragment written verbatim into a body: the values `JSON.stringify` cannot produce, such as `1e309`
 * (Infinity once parsed), `-0`, `9007199254740993` (not representable) and nesting deeper than its recursion.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold `RawJson` fragments; keys are escaped as JSON does (lone surrogates too). */
export function serialize(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(serialize).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}:${serialize(item)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** One invalid body: the example of a route with exactly one place broken, and which place. */
export interface Mutation {
  kind: string;
  path: JsonPath;
  body: unknown;
}

/** The keywords the walker understands; a schema using any other fails the coverage test instead of being skipped. */
const KNOWN_KEYWORDS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'items',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'enum',
  'minimum',
  'maximum',
  'anyOf',
  'default',
  'description',
]);

const KINDS = ['string', 'number', 'boolean', 'null', 'array', 'object'] as const;
type Kind = (typeof KINDS)[number];

function kindOf(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return type;
  return 'object';
}

/** The alternatives of a schema, flattened (`anyOf: [X, {type: null}]` is how zod writes `.nullable()`). */
function branches(schema: JsonSchema): JsonSchema[] {
  const anyOf = schema.anyOf as JsonSchema[] | undefined;
  return anyOf ? anyOf.flatMap(branches) : [schema];
}

/** JSON kinds the schema accepts; an `integer` accepts the `number` kind (fractions are a constraint breach). */
function acceptedKinds(schema: JsonSchema): Set<Kind> {
  const kinds = new Set<Kind>();
  for (const branch of branches(schema)) {
    const type = branch.type as string | undefined;
    if (type === undefined) return new Set(KINDS);
    kinds.add(type === 'integer' ? 'number' : (type as Kind));
  }
  return kinds;
}

export function unsupportedKeywords(schema: unknown, at = '#'): string[] {
  if (Array.isArray(schema))
    return schema.flatMap((item, index) => unsupportedKeywords(item, `${at}/${index}`));
  if (schema === null || typeof schema !== 'object') return [];
  const own = Object.keys(schema)
    .filter((key) => !KNOWN_KEYWORDS.has(key))
    .map((key) => `${at}/${key}`);
  const nested = Object.entries(schema as JsonSchema).flatMap(([key, value]) => {
    if (key === 'properties' && value && typeof value === 'object')
      return Object.entries(value).flatMap(([name, property]) =>
        unsupportedKeywords(property, `${at}/properties/${name}`),
      );
    if (['items', 'additionalProperties', 'propertyNames', 'anyOf'].includes(key))
      return unsupportedKeywords(value, `${at}/${key}`);
    return [];
  });
  return [...own, ...nested];
}

/**
 * The first place where `value` breaks `schema`, or null when it conforms. Covers the keywords above; formats are
 * checked through the `pattern` zod emits beside them, and refinements zod cannot express (known currencies,
 * IANA zones) are not checked here: the mutations' own `param` assertions catch an example that breaks them.
 */
export function violation(schema: JsonSchema, value: unknown, path: JsonPath = []): JsonPath | null {
  if (schema.anyOf) {
    const results = (schema.anyOf as JsonSchema[]).map((branch) => violation(branch, value, path));
    return results.some((result) => result === null) ? null : (results[0] ?? path);
  }
  const type = schema.type as string | undefined;
  const kind = kindOf(value);
  if (type === 'integer' ? !Number.isInteger(value) : type !== undefined && type !== kind) return path;
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) return path;
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && codePoints(value) < schema.minLength) return path;
    if (typeof schema.maxLength === 'number' && codePoints(value) > schema.maxLength) return path;
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value)) return path;
  }
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) return path;
    if (typeof schema.maximum === 'number' && value > schema.maximum) return path;
  }
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) return path;
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) return path;
    const items = schema.items as JsonSchema | undefined;
    for (const [index, item] of value.entries()) {
      const found = items ? violation(items, item, [...path, index]) : null;
      if (found) return found;
    }
  }
  if (kind === 'object') {
    const record = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in record)) return [...path, name];
    for (const [name, item] of Object.entries(record)) {
      const property = properties[name];
      const extra = schema.additionalProperties as JsonSchema | false | undefined;
      if (property) {
        const found = violation(property, item, [...path, name]);
        if (found) return found;
      } else if (extra === false) return [...path, name];
      else if (extra) {
        const names = schema.propertyNames as JsonSchema | undefined;
        if (names && violation(names, name)) return [...path, name];
        const found = violation(extra, item, [...path, name]);
        if (found) return found;
      }
    }
  }
  return null;
}

const raw = (text: string) => new RawJson(text);

/** Strings meant to trip encoders and comparisons: NUL, lone surrogates, a BOM, right-to-left marks, emoji. */
const NASTY_CHARS = ['\u0000', '\ud800', '\udfff', '\ufeff', '\u202e', '😀', 'é', '\n', '"', '\\'];

const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom(...NASTY_CHARS), { minLength: 1, maxLength: 12 }).map((chars) => chars.join('')),
);

/** `[[[…]]]` or `{"a":{"a":…}}` deeper than any recursive walker should go, built as text. */
const deeplyNested = fc
  .tuple(fc.boolean(), fc.integer({ min: 1_000, max: 50_000 }))
  .map(([arrays, depth]) =>
    arrays
      ? raw('['.repeat(depth) + ']'.repeat(depth))
      : raw('{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
  );

function valueOfKind(kind: Kind): fc.Arbitrary<unknown> {
  switch (kind) {
    case 'string':
      return nastyString;
    case 'number':
      return fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0));
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.oneof(
        fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
        deeplyNested.filter(isArrayText),
      );
    case 'object':
      return fc.oneof(
        fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        deeplyNested.filter((value) => !isArrayText(value)),
      );
  }
}

function isArrayText(value: unknown): boolean {
  return value instanceof RawJson && value.text.startsWith('[');
}

/**
 * Values that a refinement rejects although they match the documented pattern, keyed by the pattern or field they
 * belong to: zod's JSON Schema cannot express `refine`, so the generator is told.
 */
const REFINED_INVALID: { applies: (schema: JsonSchema, name: string) => boolean; values: string[] }[] = [
  { applies: (schema) => schema.pattern === '^[A-Z]{3}$', values: ['XXX', 'XAU', 'ABC', 'ZZZ', 'QQQ'] },
  { applies: (schema) => schema.pattern === '^[A-Z]{2}$', values: ['ZZ', 'QQ', 'EU', 'UK', 'XK'] },
  {
    applies: (_schema, name) => name === 'time_zone',
    values: ['Mars/Olympus', 'UTC+1', 'Europe/Berlinn', ' '],
  },
  {
    applies: (schema) => schema.format === 'uri',
    values: ['not a url', 'ftp://example.test/hook', 'javascript:alert(1)', 'mailto:a@example.test', '//x'],
  },
];

const BAD_DATES = [
  '2026-02-30T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-01-01',
  '2026-01-01T00:00:00+01:00',
  '2026-01-01 00:00:00Z',
  '2026-01-01T24:00:00Z',
  '+275760-09-13T00:00:00Z',
  '1e309',
  'tomorrow',
];

/** Values of the schema's accepted kinds that break one of its constraints. */
function constraintBreaches(schema: JsonSchema, name: string): fc.Arbitrary<unknown>[] {
  const breaches: fc.Arbitrary<unknown>[] = [];
  for (const branch of branches(schema)) {
    const type = branch.type as string | undefined;
    if (type === 'string') {
      const min = branch.minLength as number | undefined;
      const max = branch.maxLength as number | undefined;
      const pattern = typeof branch.pattern === 'string' ? new RegExp(branch.pattern) : undefined;
      const allowed = branch.enum as unknown[] | undefined;
      if (min !== undefined && min > 0) breaches.push(fc.constant(''));
      if (max !== undefined) {
        // Up to 100,000 characters: above every documented bound, below the 1 MB body limit even as escapes. A
        // length counts code points, as JSON Schema's maxLength and zod do: 101 emoji are 202 UTF-16 units and fit 200.
        breaches.push(
          fc
            .tuple(
              fc.constantFrom('x', ...NASTY_CHARS),
              fc.integer({ min: max + 1, max: Math.max(max + 1, 100_000) }),
            )
            .map(([char, length]) => char.repeat(Math.ceil(length / codePoints(char)))),
        );
      }
      if (pattern) breaches.push(nastyString.filter((value) => !pattern.test(value)));
      if (allowed) {
        breaches.push(
          fc
            .oneof(
              nastyString,
              fc.constantFrom(...allowed.map((value) => String(value).toUpperCase())),
              fc.constantFrom(...allowed.map((value) => ` ${String(value)}`)),
            )
            .filter((value) => !allowed.includes(value)),
        );
      }
      if (branch.format === 'date-time') breaches.push(fc.constantFrom(...BAD_DATES));
      for (const refined of REFINED_INVALID)
        if (refined.applies(branch, name)) breaches.push(fc.constantFrom(...refined.values));
    }
    if (type === 'integer' || type === 'number') {
      const min = branch.minimum as number | undefined;
      const max = branch.maximum as number | undefined;
      if (type === 'integer')
        breaches.push(
          fc.oneof(
            fc.constantFrom(0.5, 1.5, -0.1, 1e-7),
            fc.double({ noNaN: true, noDefaultInfinity: true }).filter((value) => !Number.isInteger(value)),
          ),
        );
      if (min !== undefined) {
        const below = [raw('-1e309'), raw('-9007199254740993')];
        if (min >= 1) below.push(raw('0'), raw('-0'));
        if (min >= 0) below.push(raw('-1'));
        breaches.push(
          fc.oneof(fc.constantFrom(...below), fc.integer({ min: min - 1_000_000, max: min - 1 })),
        );
      }
      if (max !== undefined) {
        const above = [
          raw('1e309'),
          raw('1e400'),
          raw('9007199254740992'),
          raw('9007199254740993'),
          raw('99999999999999999999999999'),
        ].filter((value) => Number(value.text) > max);
        const aboveSafe =
          max < Number.MAX_SAFE_INTEGER
            ? [fc.integer({ min: max + 1, max: Math.min(Number.MAX_SAFE_INTEGER, max + 1_000_000) })]
            : [];
        breaches.push(fc.oneof(fc.constantFrom(...above), ...aboveSafe));
      }
    }
  }
  return breaches;
}

/** A value that the schema rejects: of a kind it does not accept, or of an accepted kind breaking a constraint. */
export function invalidValue(schema: JsonSchema, name: string): fc.Arbitrary<unknown> | undefined {
  const accepted = acceptedKinds(schema);
  const wrongKinds = KINDS.filter((kind) => !accepted.has(kind));
  const options = [...wrongKinds.map(valueOfKind), ...constraintBreaches(schema, name)];
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** Sets a member as an own property even for `__proto__`, which plain assignment would turn into a prototype. */
function define(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function withAt(
  body: unknown,
  path: JsonPath,
  change: (parent: Record<string, unknown>, key: string) => void,
) {
  const copy = clone(body);
  let node = copy as Record<string, unknown>;
  for (const part of path.slice(0, -1)) node = node[part as string] as Record<string, unknown>;
  change(node, path[path.length - 1] as string);
  return copy;
}

const setAt = (body: unknown, path: JsonPath, value: unknown) =>
  withAt(body, path, (parent, key) => define(parent, key, value));
const deleteAt = (body: unknown, path: JsonPath) =>
  withAt(body, path, (parent, key) => {
    delete parent[key];
  });

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'is_admin', 'id', 'created_at', 'balance'];

/**
 * Every way to break the example in one known place, walking the documented schema beside it: each present or
 * optional field gets a wrong or out-of-bounds value, each required field goes missing, each strict object gets an
 * unknown member, each bounded array too few or too many items, each map a key its key schema rejects.
 */
export function mutationSites(
  schema: JsonSchema,
  example: unknown,
  path: JsonPath = [],
): fc.Arbitrary<Mutation>[] {
  const sites: fc.Arbitrary<Mutation>[] = [];
  const at = (kind: string, target: JsonPath, body: fc.Arbitrary<unknown>) =>
    sites.push(body.map((mutated) => ({ kind, path: target, body: mutated })));
  const objectSchema = branches(schema).find((branch) => branch.type === 'object');
  const value = path.reduce<unknown>(
    (node, part) => (node as Record<string, unknown> | undefined)?.[part as string],
    example,
  );
  if (objectSchema && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    const properties = (objectSchema.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((objectSchema.required ?? []) as string[]);
    for (const [name, property] of Object.entries(properties)) {
      const target = [...path, name];
      const invalid = invalidValue(property, name);
      if (invalid)
        at(
          'invalid value',
          target,
          invalid.map((wrong) => setAt(example, target, wrong)),
        );
      if (required.has(name) && name in record) at('missing', target, fc.constant(deleteAt(example, target)));
      if (name in record) sites.push(...mutationSites(property, example, target));
    }
    const extra = objectSchema.additionalProperties as JsonSchema | false | undefined;
    if (extra === false) {
      sites.push(
        fc
          .tuple(
            fc.oneof(fc.constantFrom(...EXTRA_KEYS, '', ...NASTY_CHARS), nastyString),
            fc.jsonValue({ maxDepth: 2 }),
          )
          .filter(([key]) => !Object.hasOwn(properties, key))
          .map(([key, item]) => ({
            kind: 'unknown field',
            path: [...path, key],
            body: setAt(example, [...path, key], item),
          })),
      );
    } else if (extra && typeof extra === 'object' && Object.keys(extra).length > 0) {
      const keys = Object.keys(record);
      const names = objectSchema.propertyNames as JsonSchema | undefined;
      const first = keys[0];
      if (names && first !== undefined) {
        const badName = fc.oneof(
          nastyString.filter((key) => violation(names, key) !== null),
          ...constraintBreaches(names, '').map((arb) =>
            arb.filter((key): key is string => typeof key === 'string'),
          ),
        );
        sites.push(
          badName
            .filter((key) => typeof key === 'string' && !Object.hasOwn(record, key))
            .map((key) => ({
              kind: 'invalid key',
              path: [...path, key as string],
              body: setAt(example, [...path, key as string], record[first]),
            })),
        );
      }
      for (const key of keys) {
        const target = [...path, key];
        const invalid = invalidValue(extra, key);
        if (invalid)
          at(
            'invalid value',
            target,
            invalid.map((wrong) => setAt(example, target, wrong)),
          );
        sites.push(...mutationSites(extra, example, target));
      }
    }
  }
  const arraySchema = branches(schema).find((branch) => branch.type === 'array');
  if (arraySchema && Array.isArray(value)) {
    const min = arraySchema.minItems as number | undefined;
    const max = arraySchema.maxItems as number | undefined;
    if (min !== undefined && min > 0) at('too few items', path, fc.constant(setAt(example, path, [])));
    const firstItem: unknown = value[0];
    if (max !== undefined && value.length > 0) {
      at(
        'too many items',
        path,
        fc.integer({ min: max + 1, max: max + 20 }).map((count) =>
          setAt(
            example,
            path,
            Array.from({ length: count }, () => clone(firstItem)),
          ),
        ),
      );
    }
    const items = arraySchema.items as JsonSchema | undefined;
    if (items) {
      for (const index of value.keys()) {
        const target = [...path, index];
        const invalid = invalidValue(items, String(path[path.length - 1] ?? ''));
        if (invalid)
          at(
            'invalid item',
            target,
            invalid.map((wrong) => setAt(example, target, wrong)),
          );
        sites.push(...mutationSites(items, example, target));
      }
    }
  }
  return sites;
}

/**
 * A place of a body where a string goes: a string-valued field (present in the example or not), an item of a
 * string array, a key of a map (`amounts.EUR`), or an unknown key added to an object.
 */
export interface TextSite {
  kind: 'value' | 'key' | 'unknown key';
  path: JsonPath;
  /** The string there now, which the fuzzing spoils; a placeholder where the example has none. */
  original: string;
}

function acceptsString(schema: JsonSchema): boolean {
  return branches(schema).some((branch) => branch.type === 'string' || branch.type === undefined);
}

/** Every text site of the example body, walking the documented schema beside it. */
export function textSites(schema: JsonSchema, example: unknown, path: JsonPath = []): TextSite[] {
  const sites: TextSite[] = [];
  const value = path.reduce<unknown>(
    (node, part) => (node as Record<string, unknown> | undefined)?.[part as string],
    example,
  );
  const objectSchema = branches(schema).find((branch) => branch.type === 'object');
  if (objectSchema && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const record = value as Record<string, unknown>;
    sites.push({ kind: 'unknown key', path: [...path, 'note'], original: 'note' });
    for (const [name, property] of Object.entries(
      (objectSchema.properties ?? {}) as Record<string, JsonSchema>,
    )) {
      const current = record[name];
      if (acceptsString(property))
        sites.push({
          kind: 'value',
          path: [...path, name],
          original: typeof current === 'string' ? current : 'x',
        });
      if (name in record) sites.push(...textSites(property, example, [...path, name]));
    }
    const extra = objectSchema.additionalProperties as JsonSchema | false | undefined;
    if (extra && typeof extra === 'object') {
      for (const key of Object.keys(record)) {
        sites.push({ kind: 'key', path: [...path, key], original: key });
        if (acceptsString(extra) && typeof record[key] === 'string')
          sites.push({ kind: 'value', path: [...path, key], original: record[key] as string });
        sites.push(...textSites(extra, example, [...path, key]));
      }
    }
  }
  const arraySchema = branches(schema).find((branch) => branch.type === 'array');
  if (arraySchema && Array.isArray(value)) {
    const items = (arraySchema.items ?? {}) as JsonSchema;
    value.forEach((item, index) => {
      if (acceptsString(items) && typeof item === 'string')
        sites.push({ kind: 'value', path: [...path, index], original: item });
      sites.push(...textSites(items, example, [...path, index]));
    });
  }
  return sites;
}

/**
 * Where the schema takes strings, as templates (`*` for any array index or map key, `{key}` for a map's keys):
 * the coverage check compares them with the sites an example reaches, so a string field the example leaves out
 * (inside an absent object, say) is reported rather than silently skipped.
 */
export function textFields(schema: JsonSchema, path: string[] = []): string[] {
  const fields: string[] = [];
  if (path.length > 0 && acceptsString(schema)) fields.push(path.join('.'));
  for (const branch of branches(schema)) {
    for (const [name, property] of Object.entries((branch.properties ?? {}) as Record<string, JsonSchema>))
      fields.push(...textFields(property, [...path, name]));
    const extra = branch.additionalProperties;
    if (extra && typeof extra === 'object') {
      fields.push([...path, '{key}'].join('.'));
      fields.push(...textFields(extra as JsonSchema, [...path, '*']));
    }
    if (branch.type === 'array' && branch.items)
      fields.push(...textFields(branch.items as JsonSchema, [...path, '*']));
  }
  return [...new Set(fields)];
}

/** The template a site stands for, in the notation of `textFields`. */
export function siteField(schema: JsonSchema, site: TextSite): string {
  const parts: string[] = [];
  let current: JsonSchema | undefined = schema;
  for (const [index, part] of site.path.entries()) {
    const last = index === site.path.length - 1;
    const branch: JsonSchema | undefined =
      current &&
      branches(current).find((candidate) =>
        typeof part === 'number' ? candidate.type === 'array' : candidate.type === 'object',
      );
    const properties = (branch?.properties ?? {}) as Record<string, JsonSchema>;
    if (typeof part === 'number') {
      parts.push('*');
      current = branch?.items as JsonSchema | undefined;
    } else if (Object.hasOwn(properties, part)) {
      parts.push(part);
      current = properties[part];
    } else {
      parts.push(last && site.kind === 'key' ? '{key}' : '*');
      current = branch?.additionalProperties as JsonSchema | undefined;
    }
  }
  return parts.join('.');
}

/** The example with the site's string replaced by `text`, and the `param` a refusal must name. */
export function withText(example: unknown, site: TextSite, text: string): { body: unknown; param: string } {
  const parent = site.path.slice(0, -1);
  const param = (path: JsonPath) => path.map(String).join('.');
  switch (site.kind) {
    case 'value':
      return { body: setAt(example, site.path, text), param: param(site.path) };
    case 'unknown key':
      return { body: setAt(example, [...parent, text], 'x'), param: param([...parent, text]) };
    case 'key': {
      // Renamed in place, so the key keeps its position among its siblings.
      const body = withAt(example, site.path, (object, key) => {
        const entries = Object.entries(object);
        for (const name of Object.keys(object)) delete object[name];
        for (const [name, item] of entries) define(object, name === key ? text : name, item);
      });
      return { body, param: param([...parent, text]) };
    }
  }
}
