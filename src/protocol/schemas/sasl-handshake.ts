import { defineMessage } from '../schema.js';

// SaslHandshake Request (Version: 0-1) => mechanism
// v0: the SASL tokens that follow are sent as bare size-prefixed frames; v1: inside SaslAuthenticate requests.
export const SaslHandshakeRequest = defineMessage({
  name: 'SaslHandshakeRequest', apiKey: 17, validVersions: '0-1', flexibleVersions: 'none',
  fields: [
    { name: 'mechanism', type: 'string', versions: '0+' },
  ],
});

// SaslHandshake Response (Version: 0-1) => error_code [mechanisms]
export const SaslHandshakeResponse = defineMessage({
  name: 'SaslHandshakeResponse', apiKey: 17, validVersions: '0-1', flexibleVersions: 'none',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'mechanisms', type: '[]string', versions: '0+' },
  ],
});
