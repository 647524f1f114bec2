import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import express, { type Express, type RequestHandler } from 'express';
import type { OpenApiDocument } from '../../src/api/openapi';

/** Answered instead of a response that contradicts the document: no route of the API uses it, so it stands out. */
export const CONTRACT_VIOLATION_STATUS = 597;

export interface ContractViolation {
  method: string;
  path: string;
  status: number;
  problem: string;
}

interface Operation {
  method: string;
  template: string;
  pattern: RegExp;
  params: number;
  responses: OpenApiDocument['paths'][string][string]['responses'];
}

const DOCUMENT_ID = 'https://perennial.test/openapi.json';

/**
 * Compiles the document's response schemas with ajv's 2020-12 dialect. The components are added under one id in
 * the document's own layout, so the `#/components/schemas/…` references inside them resolve as a client resolves
 * them; the schemas themselves are compiled in strict mode, so an unknown keyword is an error too.
 */
export function createResponseValidator(document: OpenApiDocument) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, strictTuples: false });
  addFormats(ajv);
  ajv.addKeyword('components');
  ajv.addSchema({ $id: DOCUMENT_ID, components: { schemas: document.components.schemas } });
  const compiled = new Map<string, ValidateFunction>();
  const validatorFor = (schemaRef: string): ValidateFunction => {
    let validate = compiled.get(schemaRef);
    if (!validate) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}${schemaRef}` });
      compiled.set(schemaRef, validate);
    }
    return validate;
  };

  const operations: Operation[] = Object.entries(document.paths)
    .flatMap(([template, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '([^/]+)')}$`),
        params: (template.match(/\{/g) ?? []).length,
        responses: operation.responses,
      })),
    )
    // A literal segment wins over a parameter at the same place, as Express's declaration order makes it.
    .sort((a, b) => a.params - b.params);

  const errorRef = '#/components/schemas/Error';

  /** Problems of one JSON response, or an empty list when it is what the document promises. */
  function check(method: string, path: string, status: number, body: unknown): string[] {
    const operation = operations.find((op) => op.method === method && op.pattern.test(path));
    let schemaRef: string;
    if (!operation) {
      // An unknown route or method is a 404 in the error shape, like any other error.
      if (status !== 404) return [`no documented operation for ${method} ${path} answered ${status}`];
      schemaRef = errorRef;
    } else {
      const documented = operation.responses[String(status)];
      if (!documented) {
        return [
          `${status} is not a documented status of ${method} ${operation.template} ` +
            `(documented: ${Object.keys(operation.responses).join(', ')})`,
        ];
      }
      const schema = documented.content?.['application/json']?.schema;
      const ref = schema && typeof schema.$ref === 'string' ? schema.$ref : undefined;
      if (!ref) return [`${method} ${operation.template} ${status} documents no JSON body`];
      schemaRef = ref;
    }
    const validate = validatorFor(schemaRef);
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${schemaRef}: ${error.instancePath || '/'} ${error.message ?? error.keyword}`,
    );
  }

  return { check, operations };
}

/**
 * Wraps the real app: every JSON response under `/v1` is validated against the document's schema for its
 * operation and status before it leaves. A violation is recorded and replaces the response with a 597 that names
 * it, so the test that caused it fails at its own assertion, and `assertConformant()` fails the suite afterwards
 * for tests that never looked at the response.
 */
export function validatingApp(inner: Express, document: OpenApiDocument) {
  const { check } = createResponseValidator(document);
  const violations: ContractViolation[] = [];

  const validateResponses: RequestHandler = (req, res, next) => {
    const path = req.path;
    if (!path.startsWith('/v1/') || path === '/v1/openapi.json') {
      next();
      return;
    }
    const method = req.method;
    const originalEnd = res.end.bind(res) as (...args: unknown[]) => typeof res;
    // Express writes a JSON body with a single end() after setting its headers, so nothing is sent yet here.
    res.end = ((...args: unknown[]) => {
      const [chunk] = args;
      const type = String(res.getHeader('content-type') ?? '');
      if (res.headersSent || !type.includes('application/json') || method === 'HEAD') {
        return originalEnd(...args);
      }
      const text = Buffer.isBuffer(chunk) ? chunk.toString('utf8') : typeof chunk === 'string' ? chunk : '';
      let body: unknown;
      let problems: string[];
      try {
        body = JSON.parse(text);
        problems = check(method, path, res.statusCode, body);
      } catch (error) {
        problems = [body === undefined ? `body is not JSON: ${String(error)}` : String(error)];
      }
      if (problems.length === 0) return originalEnd(...args);
      const violation = { method, path, status: res.statusCode, problem: problems.join('; ') };
      violations.push(violation);
      const replaced = JSON.stringify({ contract_violation: violation, body: text.slice(0, 2000) });
      res.statusCode = CONTRACT_VIOLATION_STATUS;
      res.setHeader('Content-Length', Buffer.byteLength(replaced));
      return originalEnd(replaced, 'utf8');
    }) as typeof res.end;
    next();
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(validateResponses);
  app.use(inner);
  return {
    app,
    violations,
    assertConformant() {
      if (violations.length > 0) {
        throw new Error(
          `${violations.length} response(s) contradict the OpenAPI document:\n` +
            violations.map((v) => `  ${v.method} ${v.path} → ${v.status}: ${v.problem}`).join('\n'),
        );
      }
    },
  };
}
