/** What another machine needs to log in to a SASL_SSL listener. */
export interface ConnectTarget {
  /** HOST:PORT as advertised (what the other machine can resolve). */
  bootstrap: string;
  user: string;
  /** The password when known (first start, or still the generated one); otherwise the commands say PASSWORD. */
  password: string | null;
  /** The CA file clients trust; null: the server's certificate is from a public or company CA they already trust. */
  caFile: string | null;
}

export const CONNECT_MECHANISM = 'SCRAM-SHA-512';
/** The topic the examples write to: what `tributary agent` and the quick start use for log lines. */
const TOPIC = 'logs';

/** Single-quoted for a POSIX shell (a generated password never needs it, a user's path might). */
const sh = (s: string) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
const py = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The exact kcat, kafka-python and `tributary agent` commands for another machine, printed on first start and shown
 * in Settings. Each names the CA file by its path here: the other machine needs a copy of it (at that path, or adjust).
 */
export function connectCommands(t: ConnectTarget): { kcat: string; kafkaPython: string; agent: string } {
  const pw = t.password ?? 'PASSWORD';
  const kcat = [
    `kcat -b ${t.bootstrap} -X security.protocol=SASL_SSL -X sasl.mechanisms=${CONNECT_MECHANISM}`,
    `-X sasl.username=${sh(t.user)} -X sasl.password=${sh(pw)}`,
    ...(t.caFile ? [`-X ssl.ca.location=${sh(t.caFile)}`] : []),
    `-t ${TOPIC} -P`,
  ].join(' \\\n     ');
  const kafkaPython = [
    'from kafka import KafkaProducer',
    `producer = KafkaProducer(bootstrap_servers=${py(t.bootstrap)}, security_protocol='SASL_SSL',`,
    `                         sasl_mechanism='${CONNECT_MECHANISM}', sasl_plain_username=${py(t.user)},`,
    `                         sasl_plain_password=${py(pw)}${t.caFile ? `, ssl_cafile=${py(t.caFile)}` : ''})`,
    `producer.send('${TOPIC}', b'hello from kafka-python')`,
    'producer.flush()',
  ].join('\n');
  const agent = [
    `printf '%s\\n' ${sh(pw)} > agent.password && chmod 600 agent.password`,
    [
      `tributary agent --bootstrap ${t.bootstrap} --security-protocol SASL_SSL --sasl-mechanism ${CONNECT_MECHANISM}`,
      `--sasl-username ${sh(t.user)} --sasl-password-file agent.password${t.caFile ? ` --ca ${sh(t.caFile)}` : ''}`,
      `--files '/var/log/*.log'`,
    ].join(' \\\n    '),
  ].join('\n');
  return { kcat, kafkaPython, agent };
}
