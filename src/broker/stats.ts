/** Running totals the broker reports (the UI derives rates from successive samples). */
export class BrokerStats {
  produceRequests = 0;
  producedRecords = 0;
  producedBytes = 0;
  fetchRequests = 0;
  fetchedBytes = 0;
  /** Records handed to consumers past their fetch offsets (from batch headers, never decoded). */
  fetchedRecords = 0;
  rejectedBatches = 0;

  snapshot(): Record<string, number> {
    return { ...this } as unknown as Record<string, number>;
  }
}
