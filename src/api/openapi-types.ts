/**
 * The shape of the OpenAPI 3.1 document the API serves, apart from the code that builds it (`openapi.ts`) and the
 * page that renders it (`docs.ts`), so neither imports the other.
 */

/** A JSON Schema 2020-12 object as zod emits it; OpenAPI 3.1 schema objects are exactly that. */
export type JsonSchema = { [key: string]: unknown };

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

export interface OpenApiHeader {
  description: string;
  schema: JsonSchema;
}

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { $ref: string }>;
  content?: { 'application/json'?: { schema: JsonSchema } } & Record<string, { schema: JsonSchema }>;
}

export interface OpenApiRequestBody {
  description?: string;
  required: boolean;
  content: { 'application/json': { schema: JsonSchema } };
}

export interface OpenApiOperation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  parameters: (OpenApiParameter | { $ref: string })[];
  /** Always a reference into `components.requestBodies`: see `buildOpenApiDocument`. */
  requestBody?: { $ref: string };
  responses: Record<string, OpenApiResponse>;
  security?: Record<string, string[]>[];
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  jsonSchemaDialect: string;
  info: {
    title: string;
    version: string;
    description: string;
    license: { name: string; identifier: string };
  };
  servers: { url: string; description: string }[];
  security: Record<string, string[]>[];
  tags: { name: string; description?: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: {
    schemas: Record<string, JsonSchema>;
    requestBodies: Record<string, OpenApiRequestBody>;
    parameters: Record<string, OpenApiParameter>;
    headers: Record<string, OpenApiHeader>;
    securitySchemes: Record<string, { type: 'http'; scheme: 'bearer'; description: string }>;
  };
}

export const REQUEST_BODY_PREFIX = '#/components/requestBodies/';

/** The request body an operation takes, resolved from `components.requestBodies`. */
export function requestBodyOf(
  document: OpenApiDocument,
  operation: OpenApiOperation,
): (OpenApiRequestBody & { name: string }) | undefined {
  const ref = operation.requestBody?.$ref;
  if (!ref?.startsWith(REQUEST_BODY_PREFIX)) return undefined;
  const name = ref.slice(REQUEST_BODY_PREFIX.length);
  const body = document.components.requestBodies[name];
  return body && { ...body, name };
}
