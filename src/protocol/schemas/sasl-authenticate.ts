import { defineMessage } from '../schema.js';

// SaslAuthenticate Request (Version: 0-2) => auth_bytes TAG_BUFFER
export const SaslAuthenticateRequest = defineMessage({
  name: 'SaslAuthenticateRequest', apiKey: 36, validVersions: '0-2', flexibleVersions: '2+',
  fields: [
    { name: 'authBytes', type: 'bytes', versions: '0+' },
  ],
});

// SaslAuthenticate Response (Version: 0-2) => error_code error_message auth_bytes session_lifetime_ms TAG_BUFFER
export const SaslAuthenticateResponse = defineMessage({
  name: 'SaslAuthenticateResponse', apiKey: 36, validVersions: '0-2', flexibleVersions: '2+',
  fields: [
    { name: 'errorCode', type: 'int16', versions: '0+' },
    { name: 'errorMessage', type: 'string', versions: '0+', nullableVersions: '0+' },
    { name: 'authBytes', type: 'bytes', versions: '0+' },
    { name: 'sessionLifetimeMs', type: 'int64', versions: '1+', default: 0 },
  ],
});
