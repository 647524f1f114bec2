/**
 * A function of a string key whose result is made once per key and kept. For the Intl formatters and time-zone
 * checks on the billing paths: each costs tens of microseconds to build. Their keys (locales, currencies, zones) are
 * a small closed set, but zone names match in any case, so at most `maxKeys` results are kept and the rest are made
 * on each call.
 */
export function memoizedByKey<V>(make: (key: string) => V, maxKeys = 2_000): (key: string) => V {
  const made = new Map<string, V>();
  return (key) => {
    let value = made.get(key);
    if (value === undefined) {
      value = make(key);
      if (made.size < maxKeys) made.set(key, value);
    }
    return value;
  };
}
