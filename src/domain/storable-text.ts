/**
 * Text PostgreSQL can store. Its `text` and `jsonb` types refuse U+0000 (NUL), and a UTF-16 surrogate without its
 * partner has no UTF-8 form: the driver would write U+FFFD in its place, so the stored text would differ from the
 * text that was sent. Both are refused where they come in, never repaired silently.
 */

/** A high surrogate not followed by a low one, or a low surrogate not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

/** Where a value sits inside a JSON document: object keys and array indices, outermost first. */
export type TextPath = (string | number)[];

interface Visit {
  value: unknown;
  key: string | number | undefined;
  parent: Visit | undefined;
}

function pathTo(visit: Visit): TextPath {
  const path: TextPath = [];
  for (let at: Visit | undefined = visit; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}

/**
 * The path of the first string (a value or an object key, in document order) that PostgreSQL cannot store, or
 * null when every string can be stored. A key that cannot be stored is named by its own path, as an unknown key
 * is. Walked with an explicit stack and parent links: a 1 MB body can nest tens of thousands of levels, which
 * recursion, or copying the path at every level, could not afford.
 */
export function unstorableTextAt(root: unknown): TextPath | null {
  const pending: Visit[] = [{ value: root, key: undefined, parent: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    const { value, key } = visit;
    if (typeof key === 'string' && !isStorableText(key)) return pathTo(visit);
    if (typeof value === 'string') {
      if (!isStorableText(value)) return pathTo(visit);
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1)
        pending.push({ value: value[index], key: index, parent: visit });
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value);
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [name, item] = entries[index] as [string, unknown];
        pending.push({ value: item, key: name, parent: visit });
      }
    }
  }
  return null;
}
