/**
 * A canonical JSON key for plain data: object keys sorted, so two contexts that differ only in
 * the order their fields were set give the same key.
 */
export function stableKey(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (inner === null || typeof inner !== 'object' || Array.isArray(inner)) return inner;
    const sorted: Record<string, unknown> = {};
    const record = inner as Record<string, unknown>;
    for (const key of Object.keys(record).sort()) sorted[key] = record[key];
    return sorted;
  });
}
