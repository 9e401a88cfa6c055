export { Broker } from './broker.js';
export { loadBrokerConfig, BROKER_DEFAULTS, defaultDataDir, type BrokerConfig } from './config.js';
export { consoleLogger, silentLogger, type Logger } from './logger.js';
export { runBroker } from './run.js';
