import type { FastifyReply } from 'fastify';
import { InvalidValueError } from '../../common/invalid-value.js';
import { ReadOnlyEntryError } from '../../common/saved-registry.js';
import { badRequest, conflict, notFound } from '../errors.js';

/** Entries the API adds, replaces and removes beside the config file's (flows, connections). */
export interface SavedEntries<V> {
  put(name: string, raw: unknown): Promise<V>;
  remove(name: string): Promise<boolean>;
}

/**
 * Bad settings are the request's fault (400); an entry of the config file is well asked for but read-only here
 * (409, as for alert rules), and its message says to change it in the config file.
 */
function asApiError(e: unknown): unknown {
  if (e instanceof InvalidValueError) return badRequest(e.message);
  if (e instanceof ReadOnlyEntryError) return conflict(e.message);
  return e;
}

/** The PUT handler: the entry as it now is. */
export async function putEntry<V>(entries: SavedEntries<V>, name: string, body: unknown): Promise<V> {
  try {
    return await entries.put(name, body);
  } catch (e) {
    throw asApiError(e);
  }
}

/** The DELETE handler: 204, or 404 naming the `kind` when there is no such entry. */
export async function removeEntry(entries: SavedEntries<unknown>, kind: string, name: string, reply: FastifyReply): Promise<FastifyReply> {
  try {
    if (!(await entries.remove(name))) throw notFound(`no ${kind} ${name}`);
  } catch (e) {
    throw asApiError(e);
  }
  return reply.code(204).send();
}
