/** jest's globalTeardown for the PostgreSQL pass: stops the cluster postgres-global.ts started. */
export { teardown as default } from './postgres-global';
