import type { SyslogMessage } from './message.js';

/**
 * RFC 5424, after the PRI:
 * VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP MSGID SP STRUCTURED-DATA [SP MSG]
 * NILVALUE is "-". STRUCTURED-DATA = NILVALUE / 1*SD-ELEMENT, SD-ELEMENT = "[" SD-ID *(SP PARAM-NAME "=" %d34
 * PARAM-VALUE %d34) "]", with `"`, `\` and `]` escaped by a backslash inside PARAM-VALUE. MSG may start with a BOM.
 * Throws a SyntaxError naming the first field that does not follow the grammar.
 */

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const SD_NAME = /^[^\s="\]]{1,32}$/;

class Cursor {
  constructor(
    readonly s: string,
    public pos: number,
  ) {}

  /** The next space-delimited header field (non-empty, printable ASCII). */
  field(name: string, maxLength: number): string {
    const end = this.s.indexOf(' ', this.pos);
    if (end < 0) throw new SyntaxError(`rfc5424: message ends in ${name} (expected VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG])`);
    const v = this.s.slice(this.pos, end);
    if (v === '') throw new SyntaxError(`rfc5424: empty ${name} (two spaces in a row?)`);
    if (v.length > maxLength) throw new SyntaxError(`rfc5424: ${name} longer than ${maxLength} characters`);
    this.pos = end + 1;
    return v;
  }
}

const nil = (v: string) => (v === '-' ? null : v);

function timestamp(v: string): number | null {
  if (v === '-') return null;
  const m = TIMESTAMP.exec(v);
  const t = m ? Date.parse(v) : NaN;
  if (Number.isNaN(t)) throw new SyntaxError(`rfc5424: invalid TIMESTAMP '${v.slice(0, 40)}' (expected e.g. 2003-10-11T22:14:15.003Z)`);
  return t;
}

/** Index just past the STRUCTURED-DATA starting at `pos`. */
function structuredDataEnd(s: string, pos: number): number {
  if (s[pos] === '-') return pos + 1;
  if (s[pos] !== '[') throw new SyntaxError(`rfc5424: STRUCTURED-DATA must be "-" or start with "[", got '${s.slice(pos, pos + 20)}'`);
  let i = pos;
  while (s[i] === '[') {
    i++;
    const idEnd = s.slice(i).search(/[ \]]/);
    if (idEnd <= 0 || !SD_NAME.test(s.slice(i, i + idEnd))) throw new SyntaxError('rfc5424: invalid SD-ID in STRUCTURED-DATA');
    i += idEnd;
    while (s[i] === ' ') {
      i++;
      const eq = s.indexOf('=', i);
      if (eq < 0 || !SD_NAME.test(s.slice(i, eq))) throw new SyntaxError('rfc5424: invalid PARAM-NAME in STRUCTURED-DATA');
      if (s[eq + 1] !== '"') throw new SyntaxError(`rfc5424: PARAM-VALUE of ${s.slice(i, eq)} must be in double quotes`);
      i = eq + 2;
      for (;;) {
        if (i >= s.length) throw new SyntaxError('rfc5424: unterminated PARAM-VALUE in STRUCTURED-DATA');
        if (s[i] === '\\') i += 2;
        else if (s[i] === '"') break;
        else i++;
      }
      i++; // closing quote
    }
    if (s[i] !== ']') throw new SyntaxError('rfc5424: SD-ELEMENT not closed with "]"');
    i++;
  }
  return i;
}

export function parseRfc5424(s: string, pos: number, out: SyslogMessage): void {
  out.format = 'rfc5424';
  const c = new Cursor(s, pos);
  const version = c.field('VERSION', 3);
  if (version !== '1') throw new SyntaxError(`rfc5424: VERSION ${version} is not supported (only 1)`);
  out.timestamp = timestamp(c.field('TIMESTAMP', 64));
  out.hostname = nil(c.field('HOSTNAME', 255));
  out.appName = nil(c.field('APP-NAME', 48));
  out.procId = nil(c.field('PROCID', 128));
  out.msgId = nil(c.field('MSGID', 32));
  const sdEnd = structuredDataEnd(s, c.pos);
  out.structuredData = s[c.pos] === '-' ? null : s.slice(c.pos, sdEnd);
  if (sdEnd < s.length && s[sdEnd] !== ' ') throw new SyntaxError('rfc5424: expected a space after STRUCTURED-DATA');
  const msg = s.slice(sdEnd + 1);
  out.message = msg.charCodeAt(0) === 0xfeff ? msg.slice(1) : msg;
}
