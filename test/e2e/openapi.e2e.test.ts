import { compileErrors, validate } from '@readme/openapi-parser';
import { SERVICE_NAMES, TestSystem, type ServiceName } from '../support/system';

/** The parts of an OpenAPI 3.1 document this test reads. */
interface Reference {
  $ref: string;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
}
interface Response {
  content?: Record<string, unknown>;
}
interface Operation {
  parameters?: Array<Parameter | Reference>;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, Response | Reference>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation | Array<Parameter | Reference>>>;
  security?: Array<Record<string, string[]>>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const TOKEN = 'x'.repeat(32);

/**
 * The one exception to "every documented operation is an express route": the order console's
 * page, script and styles are served by a router that reads the URL itself
 * (services/order/src/console/assets.ts), which routesOf cannot list. They are checked over
 * HTTP instead (see "serves the paths that no route lists").
 */
const SERVED_BY_URL: Partial<Record<ServiceName, string[]>> = {
  order: ['GET /console/', 'GET /console/app.js', 'GET /console/styles.css'],
};

let system: TestSystem;

beforeAll(async () => {
  system = await TestSystem.start('e2e_openapi', { env: { OPERATOR_TOKEN: TOKEN } });
});
afterAll(async () => {
  await system?.stop();
});

/** Follows a local `$ref` (`#/components/...`); the documents use no other kind. */
function resolve<T extends object>(document: OpenApiDocument, value: T | Reference): T {
  if (!('$ref' in value)) return value;
  const target = value.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
  if (target === undefined) throw new Error(`Unresolved $ref ${value.$ref}`);
  return resolve(document, target as T | Reference);
}

function operationsOf(document: OpenApiDocument): Array<{ key: string; path: string; method: string; operation: Operation; parameters: Parameter[] }> {
  return Object.entries(document.paths).flatMap(([path, item]) => {
    const shared = (item.parameters ?? []) as Array<Parameter | Reference>;
    return METHODS.filter((method) => method in item).map((method) => {
      const operation = item[method] as Operation;
      const parameters = [...shared, ...(operation.parameters ?? [])].map((each) => resolve<Parameter>(document, each));
      return { key: `${method.toUpperCase()} ${path}`, path, method, operation, parameters };
    });
  });
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();
const mediaType = (response: globalThis.Response) => (response.headers.get('content-type') ?? '').split(';')[0]!.trim();

describe.each(SERVICE_NAMES)('the OpenAPI document of %s', (service) => {
  let served: unknown;
  let document: OpenApiDocument;

  beforeAll(async () => {
    const response = await fetch(`${system.url(service)}/openapi.json`);
    expect(response.status).toBe(200);
    expect(mediaType(response)).toBe('application/json');
    served = await response.json();
    document = served as OpenApiDocument;
  });

  test('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    // validate() dereferences the document it is given: hand it a copy.
    const result = await validate(structuredClone(served) as Parameters<typeof validate>[0]);
    if (!result.valid) throw new Error(compileErrors(result));
  });

  test('documents every route the service registered, and no other', () => {
    const registered = system.get(service).routes.map(({ method, path }) => `${method} ${path}`);
    const documented = operationsOf(document).map(({ key }) => key);
    expect(sorted(documented)).toEqual(sorted([...registered, ...(SERVED_BY_URL[service] ?? [])]));
  });

  test('answers each GET that needs no parameter with a documented status and media type', async () => {
    const simple = operationsOf(document).filter(
      ({ method, operation, parameters }) =>
        method === 'get' &&
        !parameters.some((parameter) => parameter.required) &&
        !Object.values(operation.responses).some((each) => 'text/event-stream' in (resolve<Response>(document, each).content ?? {})),
    );
    expect(simple.length).toBeGreaterThan(0);
    for (const { key, path, operation } of simple) {
      const secured = (operation.security ?? document.security ?? []).some((requirement) => 'operatorToken' in requirement);
      const response = await fetch(`${system.url(service)}${path}`, { headers: secured ? { authorization: `Bearer ${TOKEN}` } : {}, redirect: 'manual' });
      await response.arrayBuffer();
      const documented = operation.responses[String(response.status)];
      expect({ key, status: response.status, documented: documented !== undefined }).toEqual({ key, status: response.status, documented: true });
      const types = Object.keys(resolve<Response>(document, documented!).content ?? {});
      const type = mediaType(response);
      if (types.length > 0) expect({ key, type, documented: types }).toEqual({ key, type, documented: expect.arrayContaining([type]) as unknown });
    }
  });
});

test('the order service serves the paths that no route lists, as documented', async () => {
  const document = (await (await fetch(`${system.url('order')}/openapi.json`)).json()) as OpenApiDocument;
  const operations = operationsOf(document);
  for (const key of SERVED_BY_URL.order ?? []) {
    const [, path] = key.split(' ') as [string, string];
    const response = await fetch(`${system.url('order')}${path}`);
    await response.arrayBuffer();
    const documented = resolve<Response>(document, operations.find((each) => each.key === key)!.operation.responses['200']!);
    expect({ key, status: response.status }).toEqual({ key, status: 200 });
    expect(Object.keys(documented.content ?? {})).toContain(mediaType(response));
  }
});
