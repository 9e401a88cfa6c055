import type { Socket } from 'node:net';
import type { AgentRecord, RecordSink } from '../../collect/record.js';
import type { Logger } from '../../common/logger.js';
import { RecordBatcher } from '../batcher.js';
import type { SyslogConfig } from '../config.js';
import { formatAddress, isLoopback } from '../../common/listen.js';
import type { ListenerInfo } from '../listener-info.js';
import { syslogRecord } from './record.js';
import { listenSyslogTcp, type TcpListener } from './tcp.js';
import { listenSyslogTls } from './tls.js';
import { ingestTls, type SharedTls } from '../tls-options.js';
import { listenSyslogUdp, type UdpListener } from './udp.js';

export interface SyslogStats {
  udpMessages: number;
  tcpMessages: number;
  tcpConnections: number;
  /** Over TLS (RFC 5425); connections count those past their handshake. */
  tlsMessages: number;
  tlsConnections: number;
  /** Messages kept as raw text because they followed neither RFC (header parse_error). */
  parseErrors: number;
  /** UDP messages refused while the writer was saturated. */
  dropped: number;
  /** Records whose write to the topic failed (logged). */
  failed: number;
  /** SO_RCVBUF the kernel granted the UDP socket. */
  udpRecvBufferBytes: number | null;
}

/** The syslog listeners (UDP, TCP and/or TLS), parsing every message into a record and batching writes into one topic. */
export class SyslogIngest {
  private readonly counts = { udpMessages: 0, tcpMessages: 0, tcpConnections: 0, tlsMessages: 0, tlsConnections: 0, parseErrors: 0 };
  private udp: UdpListener | null = null;
  private tcp: TcpListener | null = null;
  private tls: TcpListener | null = null;
  private readonly batcher: RecordBatcher;
  private readonly paused = new Set<Socket>();

  private constructor(
    readonly config: SyslogConfig,
    sink: RecordSink,
    log: Logger,
  ) {
    this.batcher = new RecordBatcher(sink, config.topic, log);
    this.batcher.on('drain', () => {
      for (const s of this.paused) s.resume();
      this.paused.clear();
    });
  }

  /** `sharedTls` gives the Kafka listeners' certificate, for a TLS listener configured without its own. */
  static async start(config: SyslogConfig, sink: RecordSink, log: Logger, sharedTls: SharedTls | null = null): Promise<SyslogIngest> {
    const s = new SyslogIngest(config, sink, log);
    try {
      if (config.udp) {
        s.udp = await listenSyslogUdp(config.udp, config.recvBufferBytes, (msg, remote) => s.onUdp(msg, remote), (e) => log.error(`syslog udp socket error: ${e.message}`));
        // Linux reports double the size it accounts for; a grant below the request means net.core.rmem_max capped it.
        if (s.udp.recvBufferBytes > 0 && s.udp.recvBufferBytes < config.recvBufferBytes) {
          log.warn(
            `syslog udp receive buffer is ${s.udp.recvBufferBytes} bytes, less than the ${config.recvBufferBytes} asked for (ingest.syslog.recvBufferBytes); ` +
              `bursts may be lost: raise the OS limit, e.g. sysctl -w net.core.rmem_max=${config.recvBufferBytes}`,
          );
        }
      }
      if (config.tcp) {
        s.tcp = await listenSyslogTcp(config.tcp, config.maxMessageBytes, {
          onFrame: (f, remote, socket) => s.onStream(f.data, remote, socket, f.error),
          onConnection: (d) => (s.counts.tcpConnections += d),
        });
      }
      if (config.tls) {
        const tls = await ingestTls(config.tls, sharedTls, 'ingest.syslog.tls');
        s.tls = await listenSyslogTls(
          config.tls.listen,
          config.maxMessageBytes,
          tls,
          {
            onFrame: (f, remote, socket) => s.onStream(f.data, remote, socket, f.error, true),
            onConnection: (d) => (s.counts.tlsConnections += d),
          },
          log,
        );
      }
    } catch (e) {
      await s.close();
      throw e;
    }
    for (const l of s.listeners()) {
      if (isLoopback(l.host)) continue;
      if (l.name !== 'syslog tls') log.warn(`${l.name} listener on ${formatAddress(l)} accepts messages from other machines (no authentication in syslog, no encryption)`);
      else if (!config.tls?.clientCa) log.warn(`${l.name} listener on ${formatAddress(l)} accepts messages from any machine that reaches it (set ingest.syslog.tls.clientCa to require client certificates)`);
    }
    return s;
  }

  listeners(): ListenerInfo[] {
    const out: ListenerInfo[] = [];
    if (this.udp) out.push({ name: 'syslog udp', ...this.udp.address });
    if (this.tcp) out.push({ name: 'syslog tcp', ...this.tcp.address });
    if (this.tls) out.push({ name: 'syslog tls', ...this.tls.address, tls: true, ...(this.tls.caFile ? { caFile: this.tls.caFile } : {}) });
    return out;
  }

  private record(raw: Buffer, remote: string, framingError?: string): AgentRecord {
    const r = syslogRecord(raw, remote, Date.now(), framingError);
    if (r.headers.parse_error !== undefined) this.counts.parseErrors++;
    return r;
  }

  private onUdp(msg: Buffer, remote: string): void {
    this.counts.udpMessages++;
    this.batcher.add(this.record(withoutTrailingNewline(msg), remote));
  }

  private onStream(data: Buffer, remote: string, socket: Socket, framingError?: string, tls = false): void {
    if (tls) this.counts.tlsMessages++;
    else this.counts.tcpMessages++;
    // rsyslog's RFC 5424 templates end in a newline, which it sends inside octet-counted frames too.
    this.batcher.push(this.record(framingError ? data : withoutTrailingNewline(data), remote, framingError));
    // TCP has flow control: while the writer is saturated, stop reading instead of refusing records.
    if (this.batcher.saturated && !socket.destroyed && !this.paused.has(socket)) {
      socket.pause();
      this.paused.add(socket);
    }
  }

  stats(): SyslogStats {
    return { ...this.counts, dropped: this.batcher.dropped, failed: this.batcher.failed, udpRecvBufferBytes: this.udp?.recvBufferBytes ?? null };
  }

  /** Stops listening (closing TCP and TLS connections), then writes every record already received. */
  async close(): Promise<void> {
    const closing: Promise<void>[] = [];
    if (this.udp) {
      const { socket, drain } = this.udp;
      closing.push(drain().then(() => new Promise((resolve) => socket.close(() => resolve()))));
    }
    for (const l of [this.tcp, this.tls]) {
      if (!l) continue;
      const { server, sockets } = l;
      closing.push(new Promise((resolve) => server.close(() => resolve())));
      for (const s of sockets) s.end();
      setTimeout(() => {
        for (const s of [...sockets, ...(l.raw ?? [])]) s.destroy();
      }, 1000).unref();
    }
    await Promise.all(closing);
    await this.batcher.close();
  }
}

/** The message without the line ending (LF, CRLF or NUL) a sender put at its end: a view, no copy. */
function withoutTrailingNewline(msg: Buffer): Buffer {
  let end = msg.length;
  while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x00 || msg[end - 1] === 0x0d)) end--;
  return end === msg.length ? msg : msg.subarray(0, end);
}
