import { defineMessage } from '../schema.js';

// InitProducerId Request (Version: 0-4) => transactional_id transaction_timeout_ms producer_id producer_epoch
export const InitProducerIdRequest = defineMessage({
  name: 'InitProducerIdRequest', apiKey: 22, validVersions: '0-4', flexibleVersions: '2+',
  fields: [
    { name: 'transactionalId', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'transactionTimeoutMs', type: 'int32', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '3+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '3+', default: -1 },
  ],
});

// InitProducerId Response (Version: 0-4) => throttle_time_ms error_code producer_id producer_epoch
export const InitProducerIdResponse = defineMessage({
  name: 'InitProducerIdResponse', apiKey: 22, validVersions: '0-4', flexibleVersions: '2+',
  fields: [
    { name: 'throttleTimeMs', type: 'int32', versions: '0+', default: 0 },
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'producerId', type: 'int64', versions: '0+', default: -1 },
    { name: 'producerEpoch', type: 'int16', versions: '0+' },
  ],
});
