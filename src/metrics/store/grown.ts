type Typed = Int8Array | Uint8Array | Uint16Array | Int32Array | Uint32Array | Float64Array;

/** A copy of `a` with room for `length` elements (the new ones `fill`, or zero): the store's columns grow by it. */
export function grown<T extends Typed>(a: T, length: number, fill?: number): T {
  const next = new (a.constructor as new (n: number) => T)(length);
  next.set(a);
  if (fill !== undefined) next.fill(fill, a.length);
  return next;
}
