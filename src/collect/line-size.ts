/**
 * Whether `line` takes more than `max` bytes in UTF-8: every line of outside input is checked against a limit before
 * it is parsed. Linear, and usually free: the character count alone decides unless a line could be either side.
 */
export function utf8LengthOver(line: string, max: number): boolean {
  if (line.length > max) return true; // a UTF-16 unit is at least one UTF-8 byte
  return line.length * 3 > max && Buffer.byteLength(line) > max; // and at most three
}
