export * from './roles.js';
export { AuthDirectory, AuthInputError, KEYS_STREAM, ACCOUNTS_STREAM, type AccessKeyRecord, type AccountRecord, type TamperedRecord } from './directory.js';
export { JwtVerifier, parseRoleMap, type JwtOptions } from './jwt.js';
export { authOf, departmentScope, SESSION_COOKIE, type AuthContext, type AuthOptions, type RouteEntry } from './plugin.js';
export { DEMO_ACCOUNTS, demoSignInLines, ensureDemoAccounts } from './cli.js';
