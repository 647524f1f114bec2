import fc from 'fast-check';
import { isStorableText, unstorableTextAt } from '../../../src/domain';

describe('isStorableText: what PostgreSQL text and jsonb can hold unchanged', () => {
  test.each([
    ['plain text', 'Kaffeerösterei', true],
    ['an emoji (a surrogate pair)', 'beans 😀', true],
    ['a BOM, a right-to-left mark, a newline, U+FFFD', '\ufeff\u202e\n\ufffd', true],
    ['other control characters', '\u0001\u001f\u007f', true],
    ['the empty string', '', true],
    ['NUL', 'why\u0000not', false],
    ['a lone high surrogate', 'a\ud800', false],
    ['a lone low surrogate', '\udfffa', false],
    ['a reversed pair', '\ude00\ud83d', false],
    ['a high surrogate followed by another high surrogate', '\ud83d\ud83d\ude00', false],
  ])('%s', (_name, text, storable) => {
    expect(isStorableText(text)).toBe(storable);
  });

  test('agrees with a UTF-8 round trip and the absence of NUL, for any UTF-16 string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        const roundTrips = Buffer.from(text, 'utf8').toString('utf8') === text;
        expect(isStorableText(text)).toBe(roundTrips && !text.includes('\u0000'));
      }),
      { numRuns: 2_000 },
    );
  });
});

describe('unstorableTextAt: the path of the first unstorable string of a JSON value', () => {
  test('names values, array items and object keys, in document order, zod style', () => {
    expect(unstorableTextAt({ name: 'ok', address: { line1: 'a\u0000' } })).toEqual(['address', 'line1']);
    expect(unstorableTextAt({ events: [{ client_id: 'e1' }, { client_id: '\ud800' }] })).toEqual([
      'events',
      1,
      'client_id',
    ]);
    expect(unstorableTextAt({ amounts: { 'E\u0000R': 1900 } })).toEqual(['amounts', 'E\u0000R']);
    expect(unstorableTextAt({ a: { b: '\u0000' }, c: '\u0000' })).toEqual(['a', 'b']);
    expect(unstorableTextAt({ a: '\u0000', b: { '\u0000': 1 } })).toEqual(['a']);
    expect(unstorableTextAt('\u0000')).toEqual([]);
  });

  test('is null for storable values of any kind', () => {
    expect(unstorableTextAt({ a: [1, true, null, { b: 'x😀' }], c: 1.5 })).toBeNull();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(unstorableTextAt(value)).toBeNull();
      }),
    );
  });

  test('finds a NUL planted anywhere in a random JSON value, at the path where it was planted', () => {
    const planted = fc
      .tuple(fc.jsonValue({ maxDepth: 3 }), fc.array(fc.nat(), { maxLength: 4 }), fc.boolean())
      .map(([root, choices, asKey]) => {
        const wrapped: { root: unknown } = { root };
        let parent: Record<string, unknown> | unknown[] = wrapped;
        let key: string | number = 'root';
        const path: (string | number)[] = [];
        for (const choice of choices) {
          const node = (parent as Record<string | number, unknown>)[key];
          if (node === null || typeof node !== 'object') break;
          const keys: (string | number)[] = Array.isArray(node)
            ? node.map((_, index) => index)
            : Object.keys(node);
          if (keys.length === 0) break;
          parent = node as Record<string, unknown> | unknown[];
          key = keys[choice % keys.length] as string | number;
          path.push(key);
        }
        const holder = parent as Record<string | number, unknown>;
        // As own properties even for `__proto__`, which plain assignment would treat as the prototype.
        const set = (name: string | number, item: unknown) =>
          Object.defineProperty(holder, name, {
            value: item,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        if (asKey && !Array.isArray(parent) && path.length > 0) {
          const value = holder[key];
          delete holder[key];
          const bad = `${String(key)}\u0000`;
          set(bad, value);
          path[path.length - 1] = bad;
        } else set(key, 'bad\u0000');
        return { value: wrapped.root, path };
      });
    fc.assert(
      fc.property(planted, ({ value, path }) => {
        // Earlier siblings hold no NUL, so the first one in document order is the planted one.
        expect(unstorableTextAt(value)).toEqual(path);
      }),
      { numRuns: 500 },
    );
  });

  test('walks 100 000 levels of nesting without exhausting the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let level = 0; level < 100_000; level += 1) deep = level % 2 ? [deep] : { a: deep };
    const path = unstorableTextAt(deep);
    expect(path).toHaveLength(100_000);
    expect(path?.slice(0, 2)).toEqual([0, 'a']);
  });
});
