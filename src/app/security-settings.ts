import type { Broker } from '../broker/broker.js';
import { usesSasl, usesTls } from '../broker/listeners.js';
import { AGENT_USER, currentGeneratedPassword, generatedPasswordPath } from '../broker/security/generated-password.js';
import { readUsers, usersFilePath } from '../broker/security/users-file.js';
import { formatHostPort } from '../common/host-port.js';
import type { SecuritySettings } from '../server/services.js';
import { CONNECT_MECHANISM, connectCommands } from './connect-commands.js';

/**
 * The `security` part of the settings: what the broker listens with, and how another machine connects as the agent
 * user through the first SASL_SSL listener. Reads users.json on each call (it changes under a running broker).
 */
export async function securitySettings(broker: Broker): Promise<SecuritySettings> {
  const dataDir = broker.config.dataDir;
  const listeners = broker.listenerAddresses();
  const hasSasl = listeners.some((l) => usesSasl(l.protocol));
  let agentExists = false;
  try {
    agentExists = hasSasl && readUsers(usersFilePath(dataDir)).has(AGENT_USER);
  } catch {
    // an unreadable users file is logged by the broker; here the agent is simply not shown
  }
  const password = agentExists ? await currentGeneratedPassword(dataDir) : null;
  const caFile = broker.caFile();
  const secure = listeners.find((l) => l.protocol === 'SASL_SSL');
  const connect = secure
    ? (() => {
        const bootstrap = formatHostPort(secure.advertised);
        return { bootstrap, mechanism: CONNECT_MECHANISM, ...connectCommands({ bootstrap, user: AGENT_USER, password, caFile }) };
      })()
    : null;
  return {
    listeners: listeners.map((l) => ({
      protocol: l.protocol,
      address: formatHostPort(l),
      advertised: formatHostPort(l.advertised),
      tls: usesTls(l.protocol),
      sasl: usesSasl(l.protocol),
    })),
    caFile,
    clientAuth: broker.config.clientAuth.mode,
    agent: agentExists ? { user: AGENT_USER, password, passwordFile: password ? generatedPasswordPath(dataDir) : null } : null,
    connect: agentExists ? connect : null,
  };
}
