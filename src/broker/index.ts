export { Broker } from './broker.js';
export { loadBrokerConfig, BROKER_DEFAULTS, defaultDataDir, type BrokerConfig } from './config.js';
