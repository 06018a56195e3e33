import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestApp } from '../support/test-app.js';

interface Operation {
  responses: Record<string, { description: string; content?: Record<string, { schema: { $ref?: string } }> }>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  security?: Array<Record<string, string[]>>;
  requestBody?: { content: Record<string, { schema: { $ref: string } }> };
}

interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>;
    securitySchemes?: Record<string, Record<string, unknown>>;
  };
}

/**
 * Every status each route can answer, as the server's layers produce them: a client generated
 * from the document must never meet one it does not list. 408 and 431 come from Node's HTTP
 * parser, 403 from the origin check on /api (ALLOWED_ORIGINS), 400/413/415 from the JSON body
 * parser on every POST, 500 from anything unexpected.
 */
const STATUSES: Record<string, number[]> = {
  'post /api/users/create': [201, 400, 403, 408, 409, 413, 415, 429, 431, 500, 503],
  'post /api/users/rotate-token': [200, 400, 401, 403, 408, 413, 415, 429, 431, 500, 503],
  'get /api/users/list': [200, 403, 408, 431, 500, 503],
  'post /api/messages/send': [200, 400, 401, 403, 404, 408, 409, 413, 415, 422, 429, 431, 500, 503, 504, 507],
  'get /health': [200, 408, 431, 500, 503],
};

describe('the OpenAPI document at /docs-json', () => {
  let app: TestApp;
  let doc: OpenApiDocument;
  beforeAll(async () => {
    app = await TestApp.start();
    const res = await app.get<OpenApiDocument>('/docs-json');
    expect(res.status).toBe(200);
    doc = res.body;
  });
  afterAll(() => app.close());

  const operation = (key: string): Operation => {
    const [method, path] = key.split(' ');
    return doc.paths[path][method];
  };

  it('lists exactly the routes a client can call', () => {
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m} ${path}`),
    );
    expect(routes.sort()).toEqual(Object.keys(STATUSES).sort());
  });

  it.each(Object.entries(STATUSES))(
    'lists every status %s can answer, each error with the error body',
    (key, statuses) => {
      const { responses } = operation(key);
      expect(Object.keys(responses).map(Number).sort()).toEqual(statuses);
      for (const [status, response] of Object.entries(responses)) {
        if (Number(status) < 400) continue;
        expect(response.content?.['application/json'].schema.$ref, `${key} ${status}`).toBe(
          '#/components/schemas/ErrorResponseDto',
        );
      }
    },
  );

  it('declares sender_id as an optional, nullable string', () => {
    const send = doc.components.schemas.SendMessageDto;
    expect(send.properties.sender_id).toMatchObject({ type: 'string', nullable: true });
    expect(send.required).toEqual(['recipient_id', 'message']);
  });

  it('declares the send answer with its message_id', () => {
    const result = doc.components.schemas.SendResultDto;
    expect(result.required).toEqual(['status', 'details', 'delivery', 'message_id']);
    expect(result.properties.message_id).toMatchObject({ type: 'string' });
    expect(result.properties.delivery).toMatchObject({ enum: ['delivered', 'queued'] });
  });

  it('declares the bearer token of AUTH_MODE=token, optional on send, required on rotate-token', () => {
    const schemes = doc.components.securitySchemes ?? {};
    const [name] = Object.entries(schemes).find(([, scheme]) => scheme.type === 'http' && scheme.scheme === 'bearer')!;
    expect(operation('post /api/messages/send').security).toEqual(expect.arrayContaining([{}, { [name]: [] }]));
    expect(operation('post /api/users/rotate-token').security).toEqual([{ [name]: [] }]);
  });

  it('declares Idempotency-Key on send as an optional header', () => {
    const parameters = operation('post /api/messages/send').parameters ?? [];
    expect(parameters.find((p) => p.name === 'Idempotency-Key')).toMatchObject({ in: 'header', required: false });
  });
});
