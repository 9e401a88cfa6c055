/** The composition root: configuration of `tributary serve`, the running app, and its process lifecycle. */
export { App } from './app.js';
export { loadServeConfig, type ServeConfig, type ServeConfigSources } from './serve-config.js';
export { runServe } from './run.js';
