// The alerts now, from one live socket kept open for the whole page: the nav badge and the Alerts view share it.
import type { AlertItem } from './alerts-api';
import { LiveSocket } from './live-socket';

/**
 * The alerts now (from the live socket, kept open for the whole page so the nav badge counts what fires) and a
 * counter that changes with every update, for views to reload what they derive from it.
 */
class AlertsLive {
  firing = $state(0);
  alerts = $state<AlertItem[]>([]);
  version = $state(0);
  private socket: LiveSocket | null = null;

  start(): void {
    if (this.socket) return;
    this.socket = new LiveSocket('/api/v1/alerts/live', {
      onMessage: (d) => {
        const m = d as { type?: string; firing?: number; alerts?: AlertItem[] };
        if (m.type !== 'alerts') return;
        this.firing = m.firing ?? 0;
        this.alerts = m.alerts ?? [];
        this.version++;
      },
    });
  }
}

export const alertsLive = new AlertsLive();
