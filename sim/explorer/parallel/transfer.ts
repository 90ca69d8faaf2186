/** The typed arrays a message carries (as fields, or in array fields), to transfer rather than
 * copy: each is a batch, a verdict list or a key list made for that one message. */
export function transferables(message: unknown): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  if (typeof message !== 'object' || message === null) return out;
  const add = (value: unknown) => {
    if (ArrayBuffer.isView(value) && value.buffer instanceof ArrayBuffer &&
      !out.includes(value.buffer)) out.push(value.buffer);
  };
  for (const value of Object.values(message as Record<string, unknown>)) {
    if (Array.isArray(value)) value.forEach(add);
    else add(value);
  }
  return out;
}
