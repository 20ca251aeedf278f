// Start-up configuration: the environment schema every service shares and loadConfig, which validates an app's schema once.
export * from './load-config';
export * from './common-env.schema';
