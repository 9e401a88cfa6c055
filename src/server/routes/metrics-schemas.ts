/** Response schemas of the metrics routes (metrics.ts). */

const columns = {
  timestamps: { type: 'array', items: { type: 'integer' }, description: 'bucket starts (epoch ms), multiples of the step since the epoch; bucket i is [timestamps[i], timestamps[i] + step)' },
} as const;

const tagsSchema = { type: 'object', additionalProperties: { type: 'string' }, description: 'the values of the by tags (a missing tag is "")' } as const;

export const answerSchema = {
  type: 'object',
  required: ['timestamps', 'series', 'stats'],
  properties: {
    ...columns,
    series: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tags', 'values'],
        properties: { tags: tagsSchema, values: { type: 'array', items: { type: ['number', 'null'] }, description: 'one per timestamp; null: no point in the bucket' } },
      },
    },
    stats: {
      type: 'object',
      required: ['tier', 'step', 'seriesRead', 'pointsRead', 'elapsedMs'],
      properties: {
        tier: { type: 'string', enum: ['raw', '1m', '1h'], description: 'what was read: raw points or 1-minute / 1-hour rollups' },
        step: { type: 'integer', description: 'the step used (ms): as asked, or rounded up to whole rollup intervals' },
        seriesRead: { type: 'integer' },
        pointsRead: { type: 'integer', description: 'raw points or rollup rows read' },
        elapsedMs: { type: 'number' },
      },
    },
  },
} as const;

export const logAnswerSchema = {
  type: 'object',
  required: ['timestamps', 'series', 'stats'],
  properties: {
    ...columns,
    series: {
      type: 'array',
      items: {
        type: 'object',
        required: ['tags', 'values'],
        properties: {
          tags: { type: 'object', additionalProperties: { type: 'string' }, description: '{by: value} ("" for records without the field); {} without by' },
          values: { type: 'array', items: { type: 'integer' }, description: 'matching records per bucket' },
          other: { type: 'boolean', description: 'true for the one series summing the groups beyond limit' },
        },
      },
    },
    stats: { allOf: [{ $ref: 'SearchStats#' }, { type: 'object', required: ['step'], properties: { step: { type: 'integer', description: 'ms' } } }] },
  },
} as const;

export const seriesAnswerSchema = {
  type: 'object',
  required: ['measurement', 'count', 'sample'],
  properties: {
    measurement: { type: 'string' },
    count: { type: 'integer', description: 'series (measurement + tag set + field) satisfying where' },
    sample: {
      type: 'array',
      items: { type: 'object', required: ['id', 'field', 'tags'], properties: { id: { type: 'integer' }, field: { type: 'string' }, tags: { type: 'object', additionalProperties: { type: 'string' } } } },
    },
  },
} as const;

const TIERS = ['raw', '1m', '1h'] as const;
export const metricsStatsSchema = {
  $id: 'MetricsStats',
  type: 'object',
  description: 'The metrics store: series and their caps, series refused by a cap, points applied, lines skipped, lag behind the log, bytes per tier.',
  required: ['series', 'maxSeries', 'maxSeriesPerMeasurement', 'seriesRefused', 'refusedByMeasurement', 'nearCap', 'pointsApplied', 'badLines', 'skippedFields', 'lagRecords', 'bytesOnDisk'],
  properties: {
    series: { type: 'integer' },
    maxSeries: { type: 'integer' },
    maxSeriesPerMeasurement: { type: 'integer' },
    seriesRefused: { type: 'integer', description: 'new series refused by a cap since start' },
    refusedByMeasurement: { type: 'object', additionalProperties: { type: 'integer' } },
    nearCap: { type: 'array', items: { type: 'string' }, description: 'measurements at or above 80 % of their cap' },
    pointsApplied: { type: 'integer' },
    badLines: { type: 'integer', description: 'lines or records that could not be parsed (counted and skipped)' },
    skippedFields: { type: 'integer', description: 'non-numeric fields skipped' },
    lagRecords: { type: 'integer', description: 'records of the metric partitions not applied yet' },
    bytesOnDisk: { type: 'object', required: [...TIERS], properties: Object.fromEntries(TIERS.map((t) => [t, { type: 'integer' }])) },
  },
} as const;
