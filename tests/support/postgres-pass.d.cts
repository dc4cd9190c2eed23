/** The list of postgres-pass.cjs: suite path (a folder ends with '/') → why it is left out. */
declare const postgresPass: { noStore: Record<string, string> };
export = postgresPass;
