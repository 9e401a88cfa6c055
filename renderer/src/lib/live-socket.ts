// A WebSocket to the API that reconnects (0.5 s doubling to 5 s) until closed. Same-origin, so the browser sends the
// auth cookie with the upgrade. A close with 1008 (bad request: unknown topic, bad query) is final.
import { connection } from './connection.svelte';

export type SocketState = 'connecting' | 'open' | 'closed' | 'failed';

export interface LiveSocketOptions {
  onMessage: (data: unknown) => void;
  onState?: (s: SocketState, detail?: string) => void;
  onOpen?: () => void;
}

export class LiveSocket {
  private ws: WebSocket | null = null;
  private delay = 500;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly opts: LiveSocketOptions,
  ) {
    this.connect();
  }

  private connect(): void {
    if (this.closed) return;
    this.opts.onState?.('connecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${this.path}`;
    const ws = new WebSocket(url);
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      this.delay = 500;
      connection.report('ok');
      this.opts.onState?.('open');
      this.opts.onOpen?.();
    };
    ws.onmessage = (ev) => {
      let data: unknown;
      try {
        data = JSON.parse(ev.data as string);
      } catch {
        return;
      }
      this.opts.onMessage(data);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.closed) return;
      if (ev.code === 1008) {
        this.opts.onState?.('failed', ev.reason || 'refused by the server');
        return;
      }
      // An upgrade refused before opening is most often a missing cookie (401): ask the API which it is.
      if (!opened) void fetch('/api/v1/overview', { credentials: 'same-origin' }).then((r) => connection.report(r.status === 401 ? 'unauthorized' : 'ok'), () => connection.report('unreachable'));
      this.opts.onState?.('closed', ev.reason);
      this.timer = setTimeout(() => this.connect(), this.delay);
      this.delay = Math.min(this.delay * 2, 5000);
    };
  }

  /** Sends a JSON message if the socket is open (subscriptions are re-sent from onOpen after a reconnect). */
  send(data: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(data));
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ws?.close(1000);
    this.ws = null;
  }
}
