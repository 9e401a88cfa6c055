// Realistic log lines for the search benchmark: mixed levels, hosts, services, plain text, logfmt and JSON, with a few
// rare needles; written once to a plain file that kcat produces and ripgrep reads.
import { closeSync, openSync, writeSync } from 'node:fs';

export const NEEDLE = 'zebracorn7f3a9c';
/** A word in about 1 % of lines. */
export const COMMON = 'timeout';
const LEVELS = ['INFO', 'INFO', 'INFO', 'INFO', 'DEBUG', 'DEBUG', 'WARN', 'ERROR'];
const SERVICES = ['api-gateway', 'auth', 'billing', 'search', 'mailer', 'inventory', 'checkout', 'notifier'];
const PATHS = ['/api/v1/users', '/api/v1/orders', '/login', '/health', '/api/v1/cart', '/static/app.js', '/api/v1/search'];
const VERBS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];

/** A small deterministic PRNG (mulberry32). */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function lineOf(r, i, now) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const level = pick(LEVELS);
  const svc = pick(SERVICES);
  const host = `${svc}-${Math.floor(r() * 24)}.prod.example.net`;
  const ms = Math.floor(r() * 2000);
  const status = level === 'ERROR' ? pick([500, 502, 503]) : pick([200, 200, 200, 201, 204, 301, 404]);
  const reqId = Math.floor(r() * 0xffffffff).toString(16).padStart(8, '0');
  const ts = new Date(now - (1e9 - i)).toISOString();
  const note = r() < 0.01 ? ` ${COMMON} after ${ms}ms waiting for upstream` : '';
  switch (i % 3) {
    case 0:
      return JSON.stringify({ ts, level: level.toLowerCase(), service: svc, host, msg: `${pick(VERBS)} ${pick(PATHS)} answered ${status}${note}`, duration_ms: ms, request_id: reqId, user: { id: Math.floor(r() * 5000) } });
    case 1:
      return `ts=${ts} level=${level.toLowerCase()} service=${svc} host=${host} method=${pick(VERBS)} path=${pick(PATHS)} status=${status} duration=${ms}ms request_id=${reqId}${note ? ` msg="${note.trim()}"` : ''}`;
    default:
      return `${ts} ${level.padEnd(5)} [${svc}] ${host}: ${pick(VERBS)} ${pick(PATHS)} -> ${status} in ${ms}ms (req ${reqId})${note}`;
  }
}

/** Writes about `mb` MB of lines to `file`, with NEEDLE on `needles` lines spread over it; returns the line count. */
export function writeLogLines(file, mb, needles = 5) {
  const r = rng(42);
  const target = mb * 1e6;
  const estimate = Math.ceil(target / 190);
  const needleAt = new Set(Array.from({ length: needles }, (_, k) => Math.floor(((k + 0.5) * estimate) / needles)));
  const now = Date.now();
  const fd = openSync(file, 'w');
  let bytes = 0;
  let lines = 0;
  try {
    let chunk = '';
    while (bytes < target) {
      let l = lineOf(r, lines, now);
      if (needleAt.has(lines)) l += ` unexpected ${NEEDLE} in payload`;
      chunk += `${l}\n`;
      lines++;
      if (chunk.length >= 1 << 20) {
        bytes += writeSync(fd, chunk);
        chunk = '';
      }
    }
    if (chunk) bytes += writeSync(fd, chunk);
  } finally {
    closeSync(fd);
  }
  return { lines, bytes };
}
