// The ready-made dashboard for hosts running `tributary agent`: the measurements and fields its host-metrics collector
// writes (src/agent/host-metrics/collector.ts), every series tagged `host`. diskio and net fields are already per
// second (the agent divides by its interval), so they are averaged, not rated.
import type { ChartSpec } from './metrics-query.js';

export const HOST_DASHBOARD_ID = 'hosts';

export const HOST_DASHBOARD: { id: string; title: string; charts: ChartSpec[] } = {
  id: HOST_DASHBOARD_ID,
  title: 'Hosts (agent)',
  charts: [
    { kind: 'metric', title: 'CPU busy %', measurement: 'cpu', field: 'usage_active', where: 'cpu=total', agg: 'avg', by: 'host' },
    { kind: 'metric', title: 'Memory used %', measurement: 'mem', field: 'used_percent', agg: 'avg', by: 'host' },
    { kind: 'metric', title: 'Load (1 min)', measurement: 'system', field: 'load1', agg: 'avg', by: 'host' },
    { kind: 'metric', title: 'Disk used %', measurement: 'disk', field: 'used_percent', agg: 'last', by: 'host,path' },
    { kind: 'metric', title: 'Disk read bytes/s', measurement: 'diskio', field: 'read_bytes', agg: 'avg', by: 'host,name' },
    { kind: 'metric', title: 'Disk write bytes/s', measurement: 'diskio', field: 'write_bytes', agg: 'avg', by: 'host,name' },
    { kind: 'metric', title: 'Network received bytes/s', measurement: 'net', field: 'bytes_recv', where: 'interface!=lo', agg: 'avg', by: 'host,interface' },
    { kind: 'metric', title: 'Network sent bytes/s', measurement: 'net', field: 'bytes_sent', where: 'interface!=lo', agg: 'avg', by: 'host,interface' },
    // Every topic but the metric points themselves (line protocol has no level).
    { kind: 'logs', title: 'Log records by level', q: '-_topic:metrics', by: 'level' },
  ],
};
