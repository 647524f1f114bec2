/**
 * A function of a string key whose result is made once per key and kept. For the Intl formatters and time-zone
 * checks on the billing paths: each costs tens of microseconds to build, and the keys (locales, currencies, zones)
 * are a small closed set, so the cache stays small.
 */
export function memoizedByKey<V>(make: (key: string) => V): (key: string) => V {
  const made = new Map<string, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      made.set(key, value);
    }
    return value;
  };
}
