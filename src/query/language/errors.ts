/**
 * A query that cannot be parsed. `position` is the 0-based character index the message points at; the message names
 * it as a 1-based column ("unclosed quote at column 14") and says what was expected, so the API can answer 400 with
 * it as is and a UI can put the caret there.
 */
export class QuerySyntaxError extends Error {
  readonly position: number;

  constructor(message: string, position: number) {
    super(message);
    this.name = 'QuerySyntaxError';
    this.position = position;
  }
}

/** Throws a QuerySyntaxError whose message ends with the column of `position`. */
export function syntaxError(what: string, position: number, hint?: string): never {
  throw new QuerySyntaxError(`${what} at column ${position + 1}${hint ? `; ${hint}` : ''}`, position);
}
