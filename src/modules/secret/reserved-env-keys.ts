/**
 * RESERVED_ENV_KEY: env var names an ENV secret may not hold, because `cli run` would hand them
 * to a child process and they change how a program is loaded or run (a stored `BASH_ENV`,
 * `NODE_OPTIONS` or `LD_PRELOAD` is code execution as the operator), or they are cloakroom's
 * own configuration (a child that is itself cloakroom would then use the secret's database or
 * master key). The one list that the write rules, `cli run` and the tests all use; README's
 * security section documents it.
 */

/** Names reserved exactly. */
export const RESERVED_ENV_KEYS: readonly string[] = [
  // Shells: where commands are found, files sourced at start, how words split, trace prompts.
  'PATH',
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'IFS',
  'PS4',
  'PROMPT_COMMAND',
  'ZDOTDIR',
  // glibc loads code from these (iconv modules).
  'GCONV_PATH',
  // Language runtimes: options, preloaded modules, module search paths.
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONSTARTUP',
  'PYTHONPATH',
  'PYTHONHOME',
  'PYTHONWARNINGS',
  'PYTHONBREAKPOINT',
  'PERL5OPT',
  'PERL5LIB',
  'PERLLIB',
  'PERL5DB',
  'RUBYOPT',
  'RUBYLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
  'CLASSPATH',
  // Commands other programs run on our behalf.
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_ASKPASS',
  'SSH_ASKPASS',
  'GIT_EXEC_PATH',
  'GIT_EXTERNAL_DIFF',
  'GIT_PAGER',
  'GIT_EDITOR',
  'GIT_PROXY_COMMAND',
  'PAGER',
  'EDITOR',
  'VISUAL',
  'BROWSER',
  'LESSOPEN',
  'LESSCLOSE',
  // What cloakroom itself reads (besides CLOAKROOM_*).
  'DATABASE_URL',
  'DATABASE_REPLICA_URL',
  'REDIS_URL',
  'DATA_DIR',
];

/**
 * Prefixes reserved as families: the dynamic loaders (`LD_PRELOAD`, `DYLD_INSERT_LIBRARIES`, …),
 * git configuration injected from the environment (`GIT_CONFIG_COUNT`/`_KEY_n`/`_VALUE_n` can set
 * `core.sshCommand`), and every setting of cloakroom's own.
 */
export const RESERVED_ENV_KEY_PREFIXES: readonly string[] = ['LD_', 'DYLD_', 'GIT_CONFIG', 'CLOAKROOM_'];

const reservedExactly = new Set(RESERVED_ENV_KEYS);

/** Whether `key` is reserved (names are case-sensitive, as env vars are on Unix). */
export function isReservedEnvKey(key: string): boolean {
  return reservedExactly.has(key) || RESERVED_ENV_KEY_PREFIXES.some((prefix) => key.startsWith(prefix));
}

/**
 * The part of the operator's own environment that is cloakroom's configuration (database URLs,
 * master keys, Redis URL, data directory): `cli run` never passes it on to the child.
 */
export function isCloakroomConfigKey(key: string): boolean {
  return (
    key.startsWith('CLOAKROOM_') || key === 'DATABASE_URL' || key === 'DATABASE_REPLICA_URL' || key === 'REDIS_URL' || key === 'DATA_DIR'
  );
}
