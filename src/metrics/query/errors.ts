/**
 * A metrics query that cannot run as asked: `param` names the query parameter at fault (the API answers 400 naming
 * it), `kind` 'not-found' when a measurement or field does not exist (404). The message says what would be valid.
 */
export class MetricsQueryError extends Error {
  constructor(
    readonly param: string,
    message: string,
    readonly kind: 'invalid' | 'not-found' = 'invalid',
  ) {
    super(`${param}: ${message}`);
    this.name = 'MetricsQueryError';
  }
}
