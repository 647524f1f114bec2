import {
  requestBodyOf,
  type JsonSchema,
  type OpenApiDocument,
  type OpenApiOperation,
  type OpenApiParameter,
} from './openapi-types';

/**
 * Human documentation rendered on the server from the OpenAPI document: one self-contained HTML page, no
 * scripts, no CDN assets, so it works offline and under the strict content security policy helmet sets.
 */

const escape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const isSchema = (value: unknown): value is JsonSchema => typeof value === 'object' && value !== null;

const anchor = (name: string) => `schema-${name}`;

function refName(schema: JsonSchema): string | undefined {
  const target = schema.$ref;
  return typeof target === 'string' ? target.split('/').pop() : undefined;
}

/** A one-line description of a schema's type, with links to named components. */
function typeOf(schema: JsonSchema): string {
  const name = refName(schema);
  if (name) return `<a href="#${anchor(name)}">${escape(name)}</a>`;
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const options = schema[combinator];
    if (Array.isArray(options)) return options.filter(isSchema).map(typeOf).join(' | ');
  }
  if (Array.isArray(schema.enum))
    return schema.enum.map((value) => `<code>${escape(JSON.stringify(value))}</code>`).join(' | ');
  if (schema.const !== undefined) return `<code>${escape(JSON.stringify(schema.const))}</code>`;
  if (schema.type === 'array' && isSchema(schema.items)) return `array of ${typeOf(schema.items)}`;
  if (schema.type === 'object' && isSchema(schema.additionalProperties) && !schema.properties) {
    const key = isSchema(schema.propertyNames) ? typeOf(schema.propertyNames) : 'string';
    return `map of ${key} → ${typeOf(schema.additionalProperties)}`;
  }
  return escape(typeof schema.type === 'string' ? schema.type : 'any');
}

function constraints(schema: JsonSchema): string {
  const parts: string[] = [];
  const add = (key: string, label: string) => {
    if (schema[key] !== undefined) parts.push(`${label} ${String(schema[key])}`);
  };
  add('minLength', 'min length');
  add('maxLength', 'max length');
  add('minimum', '≥');
  add('maximum', '≤');
  add('minItems', 'min items');
  add('maxItems', 'max items');
  if (typeof schema.pattern === 'string' && schema.pattern.length <= 60)
    parts.push(`pattern ${schema.pattern}`);
  if (typeof schema.format === 'string') parts.push(`format ${schema.format}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.map((part) => `<span class="c">${escape(part)}</span>`).join(' ');
}

function propertiesTable(schema: JsonSchema): string {
  const properties = isSchema(schema.properties) ? schema.properties : undefined;
  if (!properties) return `<p>${typeOf(schema)} ${constraints(schema)}</p>`;
  const required = new Set(Array.isArray(schema.required) ? schema.required.map(String) : []);
  const rows = Object.entries(properties)
    .filter((entry): entry is [string, JsonSchema] => isSchema(entry[1]))
    .map(
      ([name, property]) =>
        `<tr><td><code>${escape(name)}</code>${required.has(name) ? ' <span class="req">required</span>' : ''}</td>` +
        `<td>${typeOf(property)} ${constraints(property)}</td>` +
        `<td>${escape(typeof property.description === 'string' ? property.description : '')}</td></tr>`,
    )
    .join('');
  const strict =
    schema.additionalProperties === false ? '<p class="c">No other fields are accepted.</p>' : '';
  return `<table><tr><th>Field</th><th>Type</th><th>Description</th></tr>${rows}</table>${strict}`;
}

function parameterRows(parameters: OpenApiParameter[]): string {
  if (parameters.length === 0) return '';
  const rows = parameters
    .map(
      (parameter) =>
        `<tr><td><code>${escape(parameter.name)}</code> <span class="c">${parameter.in}</span>` +
        `${parameter.required ? ' <span class="req">required</span>' : ''}</td>` +
        `<td>${typeOf(parameter.schema)} ${constraints(parameter.schema)}</td>` +
        `<td>${escape(parameter.description ?? '')}</td></tr>`,
    )
    .join('');
  return `<h4>Parameters</h4><table><tr><th>Name</th><th>Type</th><th>Description</th></tr>${rows}</table>`;
}

function operationSection(
  document: OpenApiDocument,
  method: string,
  path: string,
  operation: OpenApiOperation,
): string {
  const parameters = operation.parameters.map((parameter) => {
    if ('$ref' in parameter) {
      const name = parameter.$ref.split('/').pop() ?? '';
      const resolved = document.components.parameters[name];
      if (!resolved) throw new Error(`Unresolved parameter ${parameter.$ref}`);
      return resolved;
    }
    return parameter;
  });
  const requestBody = requestBodyOf(document, operation);
  const body = requestBody
    ? `<h4>Request body${requestBody.required ? '' : ' <span class="c">optional</span>'}</h4>` +
      `<p><a href="#${anchor(requestBody.name)}">${escape(requestBody.name)}</a></p>`
    : '';
  const responses = Object.entries(operation.responses)
    .map(([status, response]) => {
      const schema = response.content?.['application/json']?.schema;
      // A file route answers bytes of the listed media types rather than a JSON object.
      const files = Object.keys(response.content ?? {}).filter((type) => type !== 'application/json');
      const shape = schema
        ? ` — ${typeOf(schema)}`
        : files.length > 0
          ? ` — ${escape(files.join(', '))}`
          : '';
      return `<li><b>${escape(status)}</b> ${escape(response.description)}${shape}</li>`;
    })
    .join('');
  return (
    `<section class="op" id="op-${escape(operation.operationId)}">` +
    `<h3><span class="m ${method}">${method.toUpperCase()}</span> <code>${escape(path)}</code></h3>` +
    `<p><b>${escape(operation.summary)}</b></p>` +
    (operation.description ? `<p>${escape(operation.description)}</p>` : '') +
    parameterRows(parameters) +
    body +
    `<h4>Responses</h4><ul>${responses}</ul></section>`
  );
}

export function renderDocsPage(document: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  const index: string[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const tag = operation.tags[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), operationSection(document, method, path, operation)]);
      index.push(
        `<li><a href="#op-${escape(operation.operationId)}"><span class="m ${method}">${method.toUpperCase()}</span> ${escape(path)}</a></li>`,
      );
    }
  }
  const tagDescriptions = new Map(document.tags.map((tag) => [tag.name, tag.description]));
  const endpoints = [...byTag.entries()]
    .map(([tag, sections]) => {
      const description = tagDescriptions.get(tag);
      return `<h2>${escape(tag)}</h2>${description ? `<p>${escape(description)}</p>` : ''}${sections.join('')}`;
    })
    .join('');
  const requestSchemas = Object.entries(document.components.requestBodies).map(
    ([name, body]): [string, JsonSchema] => [name, body.content['application/json'].schema],
  );
  const schemas = [...requestSchemas, ...Object.entries(document.components.schemas)]
    .map(
      ([name, schema]) =>
        `<section class="schema" id="${anchor(name)}"><h3>${escape(name)}</h3>` +
        (typeof schema.description === 'string' ? `<p>${escape(schema.description)}</p>` : '') +
        `${propertiesTable(schema)}</section>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(document.info.title)}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:2rem auto;padding:0 1rem;color:#1d2433}
code{font:13px ui-monospace,monospace;background:#f2f4f8;padding:0 .25em;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border:1px solid #dde2ea;padding:.3rem .5rem;text-align:left;vertical-align:top}
.m{font:bold 12px ui-monospace,monospace;padding:.1em .4em;border-radius:3px;color:#fff;background:#556}
.m.get{background:#2f7d4f}.m.post{background:#2b5fb4}.m.put{background:#9a6a12}.m.delete{background:#b43b2b}
.c{color:#667;font-size:12px}.req{color:#b43b2b;font-size:12px}.op,.schema{border-top:1px solid #dde2ea;padding-top:.5rem}
ul.index{columns:2;list-style:none;padding:0}a{color:#2b5fb4;text-decoration:none}
</style></head><body>
<h1>${escape(document.info.title)} <span class="c">v${escape(document.info.version)} · OpenAPI ${document.openapi}</span></h1>
<p>${escape(document.info.description)}</p>
<p>Authenticate with <code>Authorization: Bearer sk_…</code>. Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a>.</p>
<ul class="index">${index.join('')}</ul>
${endpoints}
<h2>Schemas</h2>${schemas}
</body></html>`;
}
