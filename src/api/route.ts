import { stringify } from 'csv-stringify/sync';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { AppError } from './errors';

export type HttpMethod = 'get' | 'post' | 'put' | 'delete';

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One route's contract: what it accepts and what it answers. The same spec validates requests at run time and
 * becomes an operation of the OpenAPI document, so the two cannot drift apart.
 */
export interface RouteSpec<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** Relative to `/v1`, Express style: `/customers/:id`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  status?: 200 | 201;
  /** `signature`: called by a payment gateway that signs its body, not by an API client with a key. */
  auth?: 'api_key' | 'signature';
  /** Error statuses this route can answer with, besides 401, 429 and 500 which every authenticated route has. */
  errors: readonly (400 | 404 | 409 | 422 | 503)[];
  /** The route also answers `text/csv` to a client that asks for it (`Accept: text/csv`). */
  csv?: CsvView<z.input<R>>;
  /** Set for routes that answer a file (PDF, XML, an export) instead of JSON: its possible media types. */
  produces?: readonly string[];
}

/** A CSV view of a route's JSON answer: a header row of `columns`, then one row per record. */
export interface CsvView<T> {
  /** Suggested file name (without `.csv`) for `Content-Disposition`. */
  filename: string;
  columns: readonly string[];
  /** The records of an answer; a method, so a view of a specific answer fits the registry's general one. */
  records(body: T): readonly Record<string, unknown>[];
}

/** Text a spreadsheet would run as a formula; decimal amounts (`-4.84`) are numbers, not formulas. */
const FORMULA = /^[=+\-@\t\r]/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * RFC 4180 text: CRLF line ends, fields quoted only when they must be, `null` as an empty field, booleans and
 * numbers as their JSON text (csv-stringify would write `true` as 1 and `false` as an empty field). Text that a
 * spreadsheet would run as a formula (a customer named "=HYPERLINK(…)") gets a leading apostrophe.
 */
export function toCsv(columns: readonly string[], records: readonly Record<string, unknown>[]): string {
  return stringify(records as Record<string, unknown>[], {
    header: true,
    columns: [...columns],
    record_delimiter: 'windows',
    cast: {
      boolean: (value) => String(value),
      number: (value) => String(value),
      string: (value) => (FORMULA.test(value) && !DECIMAL.test(value) ? `'${value}` : value),
    },
  });
}

function wantsCsv(req: Request): boolean {
  return req.accepts(['application/json', 'text/csv']) === 'text/csv';
}

export type AnyRouteSpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

export interface RouteInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  req: Request;
  res: Response;
}

/** A declared route a request path falls on, with its path parameters still percent-encoded as sent. */
export interface RouteMatch {
  spec: AnyRouteSpec;
  rawParams: Record<string, string>;
}

const segmentsOf = (path: string) => (path.length > 1 ? path.replace(/\/$/, '') : path).split('/');

/** A declared path split once: each segment a literal (lower-cased) or a parameter's name. */
interface CompiledRoute {
  spec: AnyRouteSpec;
  segments: { literal: string | null; param: string }[];
  params: number;
}

/** The routes of the API as declared; `openapi.ts` turns them into the document. */
export class RouteRegistry {
  private readonly specs: AnyRouteSpec[] = [];
  /** By method and segment count, built on the first match: every API request is matched once (`text-guard.ts`). */
  private compiled: Map<string, CompiledRoute[]> | undefined;

  add(spec: AnyRouteSpec): void {
    this.specs.push(spec);
    this.compiled = undefined;
  }

  all(): readonly AnyRouteSpec[] {
    return this.specs;
  }

  /**
   * The route a request for `path` (relative to `/v1`) reaches, matched as Express matches it: literal segments
   * case-insensitively, a parameter taking one non-empty segment, one trailing slash allowed; a literal segment
   * wins over a parameter. Lets checks that run before the routes know which parameter a segment is.
   */
  match(method: string, path: string): RouteMatch | undefined {
    const verb = method.toLowerCase() === 'head' ? 'get' : method.toLowerCase();
    const segments = segmentsOf(path);
    let best: CompiledRoute | undefined;
    for (const route of this.index().get(`${verb} ${segments.length}`) ?? []) {
      const fits = route.segments.every(({ literal }, index) => {
        const segment = segments[index] ?? '';
        return literal === null ? segment.length > 0 : literal === segment.toLowerCase();
      });
      if (fits && (!best || route.params < best.params)) best = route;
    }
    if (!best) return undefined;
    const rawParams: Record<string, string> = {};
    best.segments.forEach(({ literal, param }, index) => {
      if (literal === null) rawParams[param] = segments[index] ?? '';
    });
    return { spec: best.spec, rawParams };
  }

  private index(): Map<string, CompiledRoute[]> {
    if (this.compiled) return this.compiled;
    const compiled = new Map<string, CompiledRoute[]>();
    for (const spec of this.specs) {
      const segments = segmentsOf(spec.path).map((part) =>
        part.startsWith(':')
          ? { literal: null, param: part.slice(1) }
          : { literal: part.toLowerCase(), param: '' },
      );
      const key = `${spec.method} ${segments.length}`;
      const route = { spec, segments, params: segments.filter(({ literal }) => literal === null).length };
      compiled.set(key, [...(compiled.get(key) ?? []), route]);
    }
    this.compiled = compiled;
    return compiled;
  }
}

function parseParams<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // A malformed id names no object: answered as any unknown id is.
  const issue = parsed.error.issues[0];
  const param = issue?.path.map(String).join('.') || 'id';
  const value = raw && typeof raw === 'object' ? (raw as Record<string, unknown>)[param] : undefined;
  throw new AppError('not_found', 'resource_missing', `No such object: ${String(value ?? '')}`, param);
}

/**
 * True when the request carries bytes the JSON parser left unread because they came under another content type.
 * Read as `{}` they would pass every schema whose fields are all optional and run the handler on a body the
 * client never sent.
 */
function unreadBody(req: Request): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  return req.body === undefined && (length > 0 || req.headers['transfer-encoding'] !== undefined);
}

/**
 * Declares a route on the router and in the registry: parse path, query and body with the spec's strict
 * schemas, run the handler, answer with the spec's status. Zod errors reach the error handler, which names
 * the offending field.
 */
export function defineRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType = z.ZodType,
>(
  router: Router,
  registry: RouteRegistry,
  spec: RouteSpec<P, Q, B, R>,
  handler: (input: RouteInput<P, Q, B>) => Promise<z.input<R>>,
): void {
  registry.add(spec as AnyRouteSpec);
  router[spec.method](spec.path, async (req, res) => {
    const params = (spec.params ? parseParams(spec.params, req.params) : undefined) as Parsed<P>;
    const query = (spec.query ? spec.query.parse(req.query ?? {}) : undefined) as Parsed<Q>;
    if (spec.body && unreadBody(req)) {
      throw new AppError(
        'invalid_request_error',
        'unsupported_content_type',
        'Send the request body as JSON with "Content-Type: application/json"',
      );
    }
    const body = (spec.body ? spec.body.parse(req.body ?? {}) : undefined) as Parsed<B>;
    const result = await handler({ params, query, body, req, res });
    if (spec.csv && wantsCsv(req)) {
      res
        .status(spec.status ?? 200)
        .type('text/csv; charset=utf-8')
        .attachment(`${spec.csv.filename}.csv`)
        .send(toCsv(spec.csv.columns, spec.csv.records(result)));
      return;
    }
    res.status(spec.status ?? 200).json(result);
  });
}

/** A file answer: its bytes, media type and the name a browser or mail client saves it under. */
export type FileResult = {
  contentType: string;
  filename: string;
  disposition: 'inline' | 'attachment';
  body: Buffer;
};

/** The response slot of a file route in the registry: the document describes its bytes, not a JSON schema. */
export const fileResponseSchema = z.string().describe('The file’s bytes');

/**
 * Declares a route that answers a file, validated and documented like any other: its path and query parameters
 * parsed by the spec's schemas (zod errors become 400s naming the field), its media types in the OpenAPI document.
 */
export function defineFileRoute<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
>(
  router: Router,
  registry: RouteRegistry,
  spec: Omit<RouteSpec<P, Q, undefined>, 'response' | 'body' | 'csv' | 'produces' | 'method'> & {
    produces: readonly string[];
  },
  handler: (input: {
    params: Parsed<P>;
    query: Parsed<Q>;
    req: Request;
    res: Response;
  }) => Promise<FileResult>,
): void {
  registry.add({ ...spec, method: 'get', response: fileResponseSchema } as AnyRouteSpec);
  router.get(spec.path, async (req, res) => {
    const params = (spec.params ? parseParams(spec.params, req.params) : undefined) as Parsed<P>;
    const query = (spec.query ? spec.query.parse(req.query ?? {}) : undefined) as Parsed<Q>;
    const file = await handler({ params, query, req, res });
    res
      .status(200)
      .type(file.contentType)
      .setHeader('Content-Disposition', `${file.disposition}; filename="${file.filename}"`)
      .send(file.body);
  });
}
