// The read view of one series' points in an hour in memory lives with the hour's storage (hour-streams.ts); the name
// stays importable from here for the readers.
export { PointStream } from './hour-streams.js';
