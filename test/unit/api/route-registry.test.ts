import { z } from 'zod';
import { RouteRegistry, type AnyRouteSpec } from '../../../src/api/route';

const spec = (method: AnyRouteSpec['method'], path: string): AnyRouteSpec => ({
  method,
  path,
  operationId: `${method} ${path}`,
  summary: path,
  tag: 'Test',
  response: z.object({}),
  errors: [],
});

describe('RouteRegistry.match: the declared route a request reaches, as Express routes it', () => {
  const registry = new RouteRegistry();
  for (const route of [
    spec('post', '/subscriptions'),
    spec('get', '/subscriptions/:id'),
    spec('post', '/subscriptions/:id/cancel'),
    spec('post', '/subscriptions/:id/change/preview'),
    spec('post', '/customers/:id/payment_methods'),
    spec('get', '/customers/:id'),
    spec('get', '/customers/search'),
    spec('delete', '/test_clocks/:id'),
  ])
    registry.add(route);
  const match = (method: string, path: string) => {
    const found = registry.match(method, path);
    return found && { path: found.spec.path, params: found.rawParams };
  };

  test('fills parameters with the raw segment, still percent-encoded', () => {
    expect(match('POST', '/subscriptions/sub_1/cancel')).toEqual({
      path: '/subscriptions/:id/cancel',
      params: { id: 'sub_1' },
    });
    expect(match('GET', '/subscriptions/a%00b')).toEqual({
      path: '/subscriptions/:id',
      params: { id: 'a%00b' },
    });
    expect(match('DELETE', '/test_clocks/%ED%A0%80')).toEqual({
      path: '/test_clocks/:id',
      params: { id: '%ED%A0%80' },
    });
  });

  test('literal segments match case-insensitively, one trailing slash is allowed, HEAD reaches GET', () => {
    expect(match('post', '/Subscriptions/x/CHANGE/preview/')?.path).toBe('/subscriptions/:id/change/preview');
    expect(match('HEAD', '/customers/cus_1')?.path).toBe('/customers/:id');
    expect(match('POST', '/subscriptions/')?.path).toBe('/subscriptions');
  });

  test('a literal segment wins over a parameter', () => {
    expect(match('GET', '/customers/search')).toEqual({ path: '/customers/search', params: {} });
  });

  test('no match for another method, another length, or an empty parameter', () => {
    expect(match('PUT', '/subscriptions/x')).toBeUndefined();
    expect(match('POST', '/subscriptions/x/cancel/now')).toBeUndefined();
    expect(match('GET', '/subscriptions//')).toBeUndefined();
    expect(match('POST', '/nowhere')).toBeUndefined();
  });
});
