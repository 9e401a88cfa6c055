/**
 * A value the user wrote that the config kit cannot read (a HOST:PORT, a duration, a size, a topic name). The message
 * names the value and shows how to write it; callers wrap it into their own error type (commander's
 * InvalidArgumentError on the command line, ConfigError for config files), usually prefixed with the key.
 */
export class InvalidValueError extends Error {
  constructor(
    message: string,
    /** The value as given, for callers that want to quote it themselves. */
    readonly input: unknown,
  ) {
    super(message);
    this.name = 'InvalidValueError';
  }
}

/** How the kit quotes a value in a message: strings as JSON, anything else as JSON too (so `undefined` shows). */
export function quote(input: unknown): string {
  return typeof input === 'string' ? JSON.stringify(input) : String(JSON.stringify(input));
}
