// Whether the API answers and accepts us: one banner for the whole app instead of an error in every view.

export type ConnectionState = 'unknown' | 'ok' | 'unreachable' | 'unauthorized';

class Connection {
  state = $state<ConnectionState>('unknown');
  report(s: Exclude<ConnectionState, 'unknown'>): void {
    if (this.state !== s) this.state = s;
  }
}

export const connection = new Connection();
